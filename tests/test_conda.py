"""conda environments, through a stand-in `conda` the tests provide (support/fake_conda.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import msgspec
import pytest

from support.fake_conda import calls, install_fake_conda, pyenv_versions
from support.index_server import IndexServer
from support.wizard_cli import answers, run_wizard, wizard_env, write_json
from wizard.answers import Answers, Environment
from wizard.catalog import load_catalog
from wizard.machine import Machine, PythonInfo
from wizard.plan import Plan
from wizard.planner import make_plan
from wizard.problems import RequestError

CATALOG = load_catalog()
MACHINE = Machine(
    os="linux", arch="x86_64", disk_free_bytes=10**12, pythons=[PythonInfo(path="/usr/bin/python3.14", version="3.14.0")]
)


@pytest.fixture
def conda_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in conda first on PATH; its envs directory is <root>/envs."""
    root = tmp_path / "conda"
    install_fake_conda(tmp_path / "bin", root)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    return root


def _plan(env: Environment, frameworks: list[str]) -> Plan:
    return make_plan(Answers(version=1, environment=env, frameworks=frameworks), MACHINE, CATALOG)


def test_named_env_goes_to_the_envs_directory_with_the_python_every_build_supports(conda_root: Path) -> None:
    plan = _plan(Environment(kind="conda", name="llm"), ["tensorflow"])
    prefix = conda_root / "envs" / "llm"
    t = plan.target
    assert (t.kind, t.path, t.python_version, t.env_python) == ("conda", str(prefix), "3.13", str(prefix / "bin" / "python"))
    create = plan.steps[0]
    assert create.id == "create-conda"
    assert create.argv == (str(conda_root.parent / "bin" / "conda"), "create", "-y", "-p", str(prefix), "python=3.13", "pip")
    assert calls(conda_root) == [["info", "--json"]]  # planning asked where envs go, and created nothing
    assert not prefix.exists()


def test_without_conda_on_path_it_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RequestError, match="needs conda, mamba or micromamba on PATH"):
        _plan(Environment(kind="conda", name="llm"), [])


def test_an_interpreter_path_is_refused_and_a_version_honoured(conda_root: Path, tmp_path: Path) -> None:
    with pytest.raises(RequestError, match="gets its Python from conda"):
        _plan(Environment(kind="conda", path=str(tmp_path / "e"), python="/usr/bin/python3"), [])
    plan = _plan(Environment(kind="conda", path=str(tmp_path / "e"), python="3.11"), ["jax"])
    assert plan.target.python_version == "3.11"
    assert plan.decisions[0].packages == ("jax==0.10.*",)


@pytest.mark.skipif(not any(pyenv_versions().glob("3.11.*")), reason="needs pyenv's Python 3.11")
def test_conda_env_is_created_then_installed_into_with_its_pip(
    conda_root: Path, index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "condaenv"
    a = write_json(
        tmp_path / "a.json",
        answers(
            target,
            packages=["wizlab-beta"],
            index={"url": index_server.url},
            environment={"kind": "conda", "path": str(target), "python": "3.11"},
            options={"upgrade_pip": False, "verify": False},
        ),
    )
    m = tmp_path / "m.json"
    m.write_bytes(msgspec.json.encode(MACHINE))
    env = {**wizard_env(pip_env, tmp_path / "state"), "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}
    r = run_wizard("--answers", str(a), "--machine", str(m), "--json", env=env)
    assert r.code == 0, r.stderr + r.stdout
    assert [(e["step"], e["status"]) for e in r.of("step_finished")] == [("create-conda", "ok"), ("install", "ok")]
    assert (target / "conda-meta").is_dir()
    out = subprocess.run(
        [str(target / "bin" / "python"), "-c", "import wizlab_beta, sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "(3, 11)"
    assert json.loads((target / ".wizard" / "state.json").read_text())["python_version"] == "3.11"
    again = run_wizard("--answers", str(a), "--machine", str(m), "--json", env=env)
    assert again.code == 0, again.stderr
    assert [e["status"] for e in again.of("step_finished")] == ["skipped", "skipped"]
    assert [c[0] for c in calls(conda_root)] == ["create"]
