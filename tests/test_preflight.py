"""Preflight against the loopback index: reachable, a file for this platform and Python, or exit 2
before anything is created. Dry runs never touch the network."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest
from packaging.requirements import Requirement
from packaging.tags import Tag
from support.index_server import IndexServer
from support.wheels import Wheelhouse, build_wheel

from wizard.answers import Answers, Environment, Index
from wizard.catalog import load_catalog
from wizard.engine import EXIT_INVALID, Execution, prepare
from wizard.events import Done, Error, Event
from wizard.machine import Machine, PythonInfo
from wizard.plan import Decision, Plan
from wizard.planner import make_plan
from wizard.preflight import IndexFile, check_indexes, parse_listing, target_tags, verdict
from wizard.problems import RequestError

CATALOG = load_catalog()


def _machine(os: Literal["linux", "darwin", "windows"] = "linux", arch: str = "x86_64", python: str = "3.12.3") -> Machine:
    return Machine(os=os, arch=arch, disk_free_bytes=10**12, pythons=[PythonInfo(path="/opt/py/bin/python3", version=python)])


def _answers(tmp_path: Path, packages: list[str], url: str | None, **index: object) -> Answers:
    return Answers(version=1, environment=Environment(kind="venv", path=str(tmp_path / "env")), packages=packages,
                   index=Index(url=url, **index))  # type: ignore[arg-type]


def _check(tmp_path: Path, packages: list[str], url: str | None, machine: Machine | None = None, **index: object) -> list[str]:
    a = _answers(tmp_path, packages, url, **index)
    m = machine or _machine()
    return check_indexes(make_plan(a, m, CATALOG), a, m)


# ---- tags and listings ------------------------------------------------------------------------------


def test_target_tags_follow_the_machine_and_the_python() -> None:
    linux = target_tags(_machine(), "3.12.3")
    assert Tag("cp312", "cp312", "manylinux_2_28_x86_64") in linux and Tag("py3", "none", "any") in linux
    assert Tag("cp312", "cp312", "linux_x86_64") in linux and Tag("cp312", "abi3", "manylinux2014_x86_64") in linux
    assert Tag("cp313", "cp313", "manylinux_2_28_x86_64") not in linux
    assert Tag("cp312", "cp312", "manylinux_2_28_aarch64") in target_tags(_machine(arch="aarch64"), "3.12.3")
    assert Tag("cp313", "cp313", "macosx_14_0_arm64") in target_tags(_machine("darwin", "arm64"), "3.13.1")
    assert Tag("cp311", "cp311", "win_amd64") in target_tags(_machine("windows", "AMD64"), "3.11.7")


def test_listings_in_pep691_json_and_pep503_html() -> None:
    body = '{"meta": {"api-version": "1.1"}, "files": [{"filename": "a-1.0-py3-none-any.whl", "requires-python": ">=3.9", "yanked": false}, {"filename": "a-0.9.tar.gz", "yanked": "broken"}]}'
    assert parse_listing("application/vnd.pypi.simple.v1+json", body) == [
        IndexFile("a-1.0-py3-none-any.whl", ">=3.9", False), IndexFile("a-0.9.tar.gz", None, True)]
    html = ('<a href="../../files/a-1.0-py3-none-any.whl#sha256=00" data-requires-python="&gt;=3.9">a-1.0-py3-none-any.whl</a>'
            '<a href="https://x/a-0.9.tar.gz" data-yanked="">a-0.9.tar.gz</a>')
    assert parse_listing("text/html", html) == [IndexFile("a-1.0-py3-none-any.whl", ">=3.9", False), IndexFile("a-0.9.tar.gz", None, True)]


def test_verdict_wheel_sdist_or_none() -> None:
    tags = target_tags(_machine(), "3.12.3")
    torch = [IndexFile("torch-2.13.0+cu126-cp312-cp312-manylinux_2_28_x86_64.whl"),
             IndexFile("torch-2.13.0+cu126-cp313-cp313-manylinux_2_28_x86_64.whl")]
    assert verdict(torch, Requirement("torch==2.13.*"), tags, "3.12.3") == "wheel"
    assert verdict(torch, Requirement("torch==2.11.*"), tags, "3.12.3") is None
    assert verdict(torch[1:], Requirement("torch"), tags, "3.12.3") is None                   # a cp313 wheel only
    tf = [IndexFile("tf-2.21.0-py3-none-any.whl", requires_python=">=3.13")]
    assert verdict(tf, Requirement("tf"), tags, "3.12.3") is None                             # Requires-Python
    assert verdict([IndexFile("x-1.0.tar.gz"), IndexFile("x-1.0-cp311-cp311-win_amd64.whl")], Requirement("x"), tags, "3.12.3") == "sdist"
    assert verdict([IndexFile("y-1.0-py3-none-any.whl", yanked=True)], Requirement("y"), tags, "3.12.3") is None
    pre = [IndexFile("z-2.0rc1-py3-none-any.whl"), IndexFile("z-1.0.tar.gz")]
    assert verdict(pre, Requirement("z"), tags, "3.12.3") == "sdist"                          # a final release wins, as in pip
    assert verdict(pre[:1], Requirement("z"), tags, "3.12.3") == "wheel"


# ---- against the loopback index -----------------------------------------------------------------


def test_wheels_that_install_here_pass_without_warnings(index_server: IndexServer, tmp_path: Path) -> None:
    assert _check(tmp_path, ["wizlab-gamma", "wizlab-alpha>=1.1"], index_server.url) == []
    assert {"/simple/wizlab-gamma/", "/simple/wizlab-alpha/"} <= set(index_server.requests)


def test_no_file_for_this_python_is_refused(index_server: IndexServer, tmp_path: Path) -> None:
    with pytest.raises(RequestError) as err:
        _check(tmp_path, ["wizlab-future", "wizlab-alpha>=5", "wizlab-nowhere"], index_server.url)
    msg = err.value.message
    assert f"wizlab-future has no file for Python 3.12 on linux x86_64 at {index_server.url}" in msg
    assert "wizlab-alpha>=5 has no file" in msg and "no project named 'wizlab-nowhere'" in msg


@pytest.fixture
def platform_index(tmp_path: Path) -> Iterator[IndexServer]:
    """wizlab-native only as a Windows wheel and an sdist; wizlab-winonly only as a Windows wheel."""
    house = tmp_path / "house"
    house.mkdir()
    for name in ("wizlab-native", "wizlab-winonly"):
        wheel = build_wheel(tmp_path / "built", name, "1.0")
        shutil.copy(wheel, house / wheel.name.replace("py3-none-any", "cp312-cp312-win_amd64"))
    (house / "wizlab_native-1.0.tar.gz").write_bytes(b"not really a tarball")
    server = IndexServer(house)
    yield server
    server.stop()


def test_only_an_sdist_is_a_warning_and_another_platform_is_refused(platform_index: IndexServer, tmp_path: Path) -> None:
    warnings = _check(tmp_path, ["wizlab-native"], platform_index.url)
    assert len(warnings) == 1 and "build it from source" in warnings[0]
    with pytest.raises(RequestError, match="wizlab-winonly has no file for Python 3.12 on linux x86_64"):
        _check(tmp_path, ["wizlab-winonly"], platform_index.url)
    assert _check(tmp_path, ["wizlab-winonly"], platform_index.url, _machine("windows", "AMD64")) == []


def test_unreachable_index_is_named_with_credentials_masked(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]   # closed once the block ends: connections are refused
    with pytest.raises(RequestError) as err:
        _check(tmp_path, ["wizlab-alpha"], f"http://alice:s3cret@127.0.0.1:{port}/simple/")
    assert f"cannot reach the package index http://****@127.0.0.1:{port}/simple/" in err.value.message
    assert "s3cret" not in err.value.message + (err.value.hint or "")


def test_credentials_in_the_url_are_used_and_wrong_ones_refused(index_server: IndexServer, tmp_path: Path) -> None:
    index_server.require_auth = ("alice", "s3cret")
    assert _check(tmp_path, ["wizlab-alpha"], index_server.url_with_auth("alice", "s3cret")) == []
    with pytest.raises(RequestError, match=r"refused access \(HTTP 401\)"):
        _check(tmp_path, ["wizlab-alpha"], index_server.url_with_auth("alice", "wrong"))


def test_offline_contacts_nothing_but_needs_its_folders(index_server: IndexServer, wheelhouse: Wheelhouse, tmp_path: Path) -> None:
    assert _check(tmp_path, ["wizlab-alpha"], None, offline=True, find_links=[str(wheelhouse.dir)]) == []
    assert index_server.requests == []
    with pytest.raises(RequestError, match="find_links folder not found"):
        _check(tmp_path, ["wizlab-alpha"], None, offline=True, find_links=[str(tmp_path / "missing")])


def test_a_builds_own_index_serves_only_its_packages(index_server: IndexServer, tmp_path: Path) -> None:
    """A decision's index (PyTorch's, here the loopback one) is asked for that decision's packages;
    the default index is not contacted when nothing else needs it."""
    a = _answers(tmp_path, [], "http://127.0.0.1:9/never-contacted/")
    m = _machine()
    plan = make_plan(a, m, CATALOG)
    plan = replace(plan, decisions=(Decision("pytorch", "cu126", "test", ("wizlab-alpha",), index_url=index_server.url),))
    assert check_indexes(plan, a, m) == []
    assert index_server.requests == ["/simple/wizlab-alpha/"]


def test_requirements_a_rerun_skips_are_not_checked(index_server: IndexServer, tmp_path: Path) -> None:
    a = _answers(tmp_path, ["wizlab-alpha"], index_server.url)
    plan: Plan = make_plan(a, _machine(), CATALOG)
    assert check_indexes(plan, a, _machine(), skip=frozenset({"wizlab-alpha"})) == []
    assert index_server.requests == []


def test_only_a_real_run_checks_indexes_and_refuses_before_anything_changes(index_server: IndexServer,
                                                                           tmp_path: Path) -> None:
    a = _answers(tmp_path, ["wizlab-future"], index_server.url)
    prepared = prepare(a, _machine(), CATALOG)
    assert prepared.plan.steps      # the plan (a dry run, a review): no network
    assert index_server.requests == []
    events: list[Event] = []
    assert Execution(prepared, events.append).run() == EXIT_INVALID
    error, done = events
    assert isinstance(error, Error) and "wizlab-future has no file" in error.message
    assert isinstance(done, Done) and done.exit_code == EXIT_INVALID and done.environment is None
    assert not (tmp_path / "env").exists()
