"""The preflight asks pip, run as the install runs it: the plan's index options, the user's pip
configuration (PIP_CONFIG_FILE here), the target interpreter. Refusals: exit 2, nothing created,
the requirement and the index named, a hint fitting pip's reason. Dry runs never touch the network."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from support.index_server import IndexServer, write_static_index
from support.pipenv import clean_pip_env
from support.tls import make_loopback_tls
from support.wheels import Wheelhouse
from support.wizard_cli import answers as answers_dict
from support.wizard_cli import pyenv_python, run_wizard, wizard_env, write_json
from wizard import planner
from wizard.answers import Answers, Environment, Index
from wizard.catalog import load_catalog
from wizard.engine import EXIT_INVALID, Execution, preflight, prepare
from wizard.events import Done, Error, Event
from wizard.machine import Machine, PythonInfo
from wizard.plan import Decision, ResolvedPackage
from wizard.problems import RequestError
from wizard.resolve import cuda_in_cpu_request

pytestmark = pytest.mark.integration
CATALOG = load_catalog()
PY = pyenv_python("3.12") or pyenv_python("3.13")
needs_python = pytest.mark.skipif(PY is None, reason="needs pyenv's Python 3.12 or 3.13")


@pytest.fixture(autouse=True)
def isolated_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wizard's children inherit os.environ: make it this machine's minus its pip configuration."""
    for key in [k for k in os.environ if k.upper().startswith("PIP_")]:
        monkeypatch.delenv(key)
    for key, value in clean_pip_env().items():
        monkeypatch.setenv(key, value)


def _machine() -> Machine:
    from wizard.pythons import probe_interpreter

    info = probe_interpreter(PY, "pyenv") if PY else None
    return Machine(
        os="linux", arch="x86_64", disk_free_bytes=10**12, pythons=[info or PythonInfo(path="/nowhere", version="3.12.0")]
    )


def _answers(tmp_path: Path, packages: list[str], url: str | None, **index: object) -> Answers:
    return Answers(
        version=1,
        environment=Environment(kind="venv", path=str(tmp_path / "env")),
        packages=packages,
        index=Index(url=url, **index),
    )  # type: ignore[arg-type]


def _resolve(tmp_path: Path, packages: list[str], url: str | None, **index: object) -> dict[str, ResolvedPackage]:
    plan = preflight(prepare(_answers(tmp_path, packages, url, **index), _machine(), CATALOG))
    assert plan.resolution is not None
    return {p.name: p for p in plan.resolution}


def _refusal(tmp_path: Path, packages: list[str], url: str | None, **index: object) -> RequestError:
    with pytest.raises(RequestError) as err:
        _resolve(tmp_path, packages, url, **index)
    assert not (tmp_path / "env").exists()
    return err.value


@needs_python
def test_every_package_is_resolved_to_an_exact_version_with_its_file(
    index_server: IndexServer, wheelhouse: Wheelhouse, tmp_path: Path
) -> None:
    got = _resolve(tmp_path, ["wizlab-gamma"], index_server.url)
    assert {n: p.version for n, p in got.items()} == {"wizlab-gamma": "2.0", "wizlab-beta": "1.0", "wizlab-alpha": "1.1"}
    assert got["wizlab-gamma"].requested and not got["wizlab-alpha"].requested
    assert got["wizlab-alpha"].url == f"{index_server.base}/files/wizlab_alpha-1.1-py3-none-any.whl"
    assert "/simple/wizlab-gamma/" in index_server.requests


@needs_python
def test_no_file_for_the_target_python_is_refused_with_pips_reason(index_server: IndexServer, tmp_path: Path) -> None:
    err = _refusal(tmp_path, ["wizlab-future"], index_server.url)
    assert "wizlab-future" in err.message and index_server.url.rstrip("/") in err.message
    assert "Requires-Python >=4" in err.message  # pip's own words
    assert "Python 3.1" in (err.hint or "") and "environment.python" in (err.hint or "")


@needs_python
def test_a_version_the_index_lacks_gets_the_versions_it_has(index_server: IndexServer, tmp_path: Path) -> None:
    err = _refusal(tmp_path, ["wizlab-alpha>=5"], index_server.url)
    assert "wizlab-alpha>=5" in err.message
    assert err.hint and "no such version" in err.hint and "1.0, 1.1" in err.hint


def test_unreachable_index_is_named_with_credentials_masked(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused
    err = _refusal(tmp_path, ["wizlab-alpha"], f"http://alice:s3cret@127.0.0.1:{port}/simple/")
    assert f"127.0.0.1:{port}/simple" in err.message and "****" in err.message
    assert "s3cret" not in err.message + (err.hint or "")
    assert err.hint and "network" in err.hint


@needs_python
def test_credentials_in_the_url_are_used_and_wrong_ones_refused(index_server: IndexServer, tmp_path: Path) -> None:
    index_server.require_auth = ("alice", "s3cret")
    assert "wizlab-alpha" in _resolve(tmp_path, ["wizlab-alpha"], index_server.url_with_auth("alice", "s3cret"))
    err = _refusal(tmp_path, ["wizlab-alpha"], index_server.url_with_auth("alice", "wrong"))
    assert "wrong" not in err.message + (err.hint or "") and err.hint and "credentials" in err.hint


@needs_python
def test_offline_resolves_from_find_links_alone(index_server: IndexServer, wheelhouse: Wheelhouse, tmp_path: Path) -> None:
    got = _resolve(tmp_path, ["wizlab-big"], None, offline=True, find_links=[str(wheelhouse.dir)])
    assert got["wizlab-big"].size == wheelhouse.wheel("wizlab-big").stat().st_size  # a local file's size is known
    assert index_server.requests == []
    with pytest.raises(RequestError, match="find_links folder not found"):
        _resolve(tmp_path, ["wizlab-alpha"], None, offline=True, find_links=[str(tmp_path / "missing")])


@needs_python
def test_a_file_url_index_works(wheelhouse: Wheelhouse, tmp_path: Path) -> None:
    url = write_static_index(wheelhouse.dir, tmp_path / "static")
    assert url.startswith("file://")
    assert _resolve(tmp_path, ["wizlab-beta"], url)["wizlab-alpha"].version == "1.1"


@needs_python
def test_pip_conf_names_the_index_the_preflight_checks(
    index_server: IndexServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {index_server.url}\n", "utf-8")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert _resolve(tmp_path, ["wizlab-alpha"], None)["wizlab-alpha"].version == "1.1"
    assert "/simple/wizlab-alpha/" in index_server.requests
    err = _refusal(tmp_path, ["wizlab-nowhere"], None)
    assert index_server.url.rstrip("/") in err.message and "pypi.org" not in err.message


@needs_python
def test_a_builds_own_index_serves_its_packages_and_later_steps_keep_them(
    index_server: IndexServer, wheelhouse: Wheelhouse, tmp_path: Path
) -> None:
    """A decision's index (PyTorch's, here the loopback one) gives that decision's packages; the
    default index (a file:// copy here) the rest, with the build kept as resolved. (The later step's
    dry run also sees the build's index, as an extra index, so a package both serve may be listed
    with either file; the version is the same.)"""
    a = _answers(tmp_path, ["wizlab-beta"], write_static_index(wheelhouse.dir, tmp_path / "static"))
    prepared = prepare(a, _machine(), CATALOG)
    decision = Decision("pytorch", "cpu", "test", ("wizlab-alpha==1.0",), index_url=index_server.url)
    steps = planner._install_steps(prepared.plan.target, [decision], a, False, CATALOG)
    prepared = replace(prepared, plan=replace(prepared.plan, decisions=(decision,), steps=tuple(steps)))
    got = {p.name: p for p in preflight(prepared).resolution or ()}
    assert got["wizlab-alpha"].version == "1.0" and got["wizlab-alpha"].step == "install-pytorch"
    assert got["wizlab-alpha"].url.startswith(index_server.base)
    assert got["wizlab-beta"].step == "install" and got["wizlab-beta"].version == "1.0"


def test_a_cpu_request_never_resolves_to_a_gpu_build() -> None:
    def pkgs(*nv: tuple[str, str]) -> list[ResolvedPackage]:
        return [ResolvedPackage(n, v, "", None, n == "torch", "install") for n, v in nv]

    assert cuda_in_cpu_request(pkgs(("torch", "2.13.0+cpu")), ["pytorch"], "linux") is None
    assert cuda_in_cpu_request(pkgs(("torch", "2.13.0")), ["pytorch"], "darwin") is None  # PyPI's macOS torch is CPU
    why = cuda_in_cpu_request(pkgs(("torch", "2.13.0"), ("nvidia-cublas-cu12", "12.9")), ["pytorch"], "linux")
    assert why and "GPU build" in why and "nvidia-cublas-cu12" in why
    assert cuda_in_cpu_request(pkgs(("torch", "2.13.0+cu130")), ["pytorch"], "windows")


@needs_python
def test_only_a_real_run_resolves_and_refuses_before_anything_changes(index_server: IndexServer, tmp_path: Path) -> None:
    prepared = prepare(_answers(tmp_path, ["wizlab-future"], index_server.url), _machine(), CATALOG)
    assert prepared.plan.steps and prepared.plan.resolution is None  # the plan (a dry run, a review): no network
    assert index_server.requests == []
    events: list[Event] = []
    assert Execution(prepared, events.append).run() == EXIT_INVALID
    error, done = events
    assert isinstance(error, Error) and "wizlab-future" in error.message
    assert isinstance(done, Done) and done.exit_code == EXIT_INVALID and done.environment is None
    assert not (tmp_path / "env").exists()


# ---- whole runs through the command line, configured only by pip.conf ----------------------------


@pytest.fixture
def https_index(wheelhouse: Wheelhouse, tmp_path: Path) -> Iterator[tuple[IndexServer, Path]]:
    tls = make_loopback_tls(tmp_path / "tls")
    if tls is None:
        pytest.skip("needs the openssl command")
    server = IndexServer(wheelhouse.dir, tls=tls.server_context())
    yield server, tls.ca
    server.stop()


def _machine_file(tmp_path: Path) -> Path:
    import msgspec

    return write_json(tmp_path / "machine.json", msgspec.to_builtins(_machine()))


@needs_python
def test_a_run_installs_from_an_https_index_whose_ca_only_pip_conf_names(
    https_index: tuple[IndexServer, Path], tmp_path: Path
) -> None:
    server, ca = https_index
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {server.url}\ncert = {ca}\n", "utf-8")
    target = tmp_path / "env"
    a = write_json(tmp_path / "a.json", answers_dict(target, packages=["wizlab-gamma"]))
    # as over SSH on a fresh box: nothing but pip.conf names the CA (requests lets these two override pip's `cert`)
    env = wizard_env(
        clean_pip_env({"PIP_CONFIG_FILE": str(conf), "REQUESTS_CA_BUNDLE": None, "CURL_CA_BUNDLE": None}), tmp_path / "state"
    )
    r = run_wizard("--answers", str(a), "--machine", str(_machine_file(tmp_path)), "--json", env=env)
    assert r.code == 0, r.stdout + r.stderr
    plan = r.of("plan")[0]["plan"]
    assert {p["name"]: p["version"] for p in plan["resolution"]}["wizlab-gamma"] == "2.0"
    assert "/files/wizlab_gamma-2.0-py3-none-any.whl" in server.requests
    # without the CA pip refuses, and so does the preflight, before anything is created
    conf.write_text(f"[global]\nindex-url = {server.url}\n", "utf-8")
    other = tmp_path / "env2"
    a2 = write_json(tmp_path / "a2.json", answers_dict(other, packages=["wizlab-gamma"]))
    r = run_wizard("--answers", str(a2), "--machine", str(_machine_file(tmp_path)), env=env)
    assert r.code == 2 and not other.exists()
    assert "certificate" in r.stderr + r.stdout
