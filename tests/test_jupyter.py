"""The Jupyter kernel: registered by the environment's real ipykernel, started through the real
jupyter_client, and removed with the environment. ipykernel and its dependencies come from PyPI
once per session (network); the runs themselves are offline, from that folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.index_server import IndexServer
from support.lifecycle import PYTHON, make_env
from support.pipenv import clean_pip_env
from wizard.answers import Answers, Environment, Options
from wizard.catalog import load_catalog
from wizard.machine import Machine, PythonInfo
from wizard.planner import make_plan

MACHINE = Machine(
    os="linux", arch="x86_64", disk_free_bytes=10**12, pythons=[PythonInfo(path="/usr/bin/python3.13", version="3.13.0")]
)


@pytest.mark.parametrize(
    ("frameworks", "packages", "option", "wanted"),
    [
        (["jupyter"], [], None, True),
        ([], ["ipykernel>=6"], None, True),
        (["numpy"], [], None, False),
        (["jupyter"], [], False, False),
        (["numpy"], [], True, True),
    ],
)
def test_the_kernel_step_is_planned_when_jupyter_is_chosen_or_asked_for(
    tmp_path: Path, frameworks: list[str], packages: list[str], option: bool | None, wanted: bool
) -> None:
    a = Answers(
        version=1,
        environment=Environment(path=str(tmp_path / "my env")),
        frameworks=frameworks,
        packages=packages,
        options=Options(jupyter_kernel=option),
    )
    steps = {s.id: s for s in make_plan(a, MACHINE, load_catalog()).steps}
    kernel = json.loads(steps["verify"].stdin or "{}").get("kernel")
    assert ("jupyter-kernel" in steps) is wanted and bool(kernel) is wanted
    if wanted:
        assert list(steps).index("jupyter-kernel") < list(steps).index("verify")
        assert steps["jupyter-kernel"].argv[-4:] == ("--name", "my-env", "--display-name", "Python (my env)")
        imports = [m for f in a.frameworks for m in load_catalog().frameworks[f].imports]
        assert kernel == {"name": "my-env", "imports": imports}  # the verification starts it and imports these


@pytest.fixture(scope="session")
def jupyter_wheels(tmp_path_factory: pytest.TempPathFactory, wheelhouse) -> Path:  # wheelhouse: support.wheels.Wheelhouse
    """ipykernel (with jupyter_client) and matplotlib (ipykernel's matplotlib-inline imports it; numpy comes
    with it) for Python 3.13 from PyPI, with pip's cache, beside the test wheels."""
    dest = tmp_path_factory.mktemp("jupyter-wheels")
    subprocess.run(
        [str(PYTHON), "-m", "pip", "download", "--only-binary", ":all:", "-d", str(dest), "ipykernel", "matplotlib"],
        check=True,
        env=clean_pip_env({"PIP_NO_CACHE_DIR": None}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=600,
    )
    for wheel in wheelhouse.dir.glob("wizlab_alpha-*.whl"):
        (dest / wheel.name).write_bytes(wheel.read_bytes())
    return dest


@pytest.mark.network
@pytest.mark.integration
@pytest.mark.skipif(PYTHON is None, reason="needs pyenv's Python 3.13")
def test_kernel_registered_started_unique_and_removed_with_the_environment(
    jupyter_wheels: Path, index_server: IndexServer, tmp_path: Path
) -> None:
    data = tmp_path / "jupyter"
    base = clean_pip_env({"JUPYTER_DATA_DIR": str(data), "HOME": str(tmp_path / "home")})
    over = {
        "frameworks": ["numpy", "matplotlib"],
        "packages": ["ipykernel"],
        "index": {"offline": True, "find_links": [str(jupyter_wheels)]},
    }
    first = make_env(tmp_path / "one", "unused", base, "llm", **over)
    spec = json.loads((data / "kernels" / "llm" / "kernel.json").read_text())
    assert spec["argv"][0] == str(first.path / "bin" / "python") and spec["display_name"] == "Python (llm)"
    report = json.loads((first.path / ".wizard" / "report.json").read_text())
    check = next(c for c in report["checks"] if c["check"] == "jupyter kernel llm")
    assert (
        check["ok"]
        and check["data"]["python"] == str(first.path / "bin" / "python")
        and check["data"]["imports"] == ["numpy", "matplotlib"]
    )
    lock = (first.path / ".wizard" / "pylock.toml").read_text()
    assert f'path = "{jupyter_wheels}/ipykernel-' in lock  # a local wheel: its path and hash

    second = make_env(tmp_path / "two", "unused", base, "llm", **over)
    assert json.loads((data / "kernels" / "llm-2" / "kernel.json").read_text())["argv"][0] == str(second.path / "bin" / "python")

    from support.wizard_cli import run_wizard

    def doctor_kernel_check() -> dict[str, Any]:
        rows = [
            json.loads(line)
            for line in run_wizard("doctor", "--env", str(first.path), "--json", env=first.env).stdout.splitlines()
        ]
        return next(r for r in rows if r.get("check") == "jupyter kernel llm")

    assert doctor_kernel_check()["ok"]  # doctor starts the kernel the wizard registered
    kernel_json = data / "kernels" / "llm" / "kernel.json"
    original = kernel_json.read_text()
    kernel_json.write_text(original.replace(str(first.path / "bin" / "python"), str(second.path / "bin" / "python")))
    wrong = doctor_kernel_check()  # the kernel's name now leads to the other environment's Python
    assert not wrong["ok"] and "not this environment" in wrong["detail"], wrong
    kernel_json.write_text(original)

    rows = [json.loads(line) for line in run_wizard("list", "--json", env=first.env).stdout.splitlines()]
    assert [r["kernel"] for r in rows] == ["llm"]  # each test run has its own state dir
    r = run_wizard("remove", "--env", str(first.path), "--yes", env=first.env)
    assert r.code == 0, r.stderr
    assert "removed the Jupyter kernel spec" in r.stdout
    assert not (data / "kernels" / "llm").exists() and (data / "kernels" / "llm-2").is_dir()
