"""`python -m wizard doctor` for real: on environments it did not make (left untouched), on one the
wizard made (report written beside the setup's), broken ones (exit 1, the right diagnosis, a fix
that works), the real PyTorch CPU build, and paths that are not environments (exit 2)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest

from support.fake_torch import FakeTorch, install_fake_torch, site_packages
from support.index_server import IndexServer
from support.wheels import Wheelhouse
from support.wizard_cli import WizardResult, answers, pyenv_python, run_wizard, wizard_env, write_json
from wizard.events import Check
from wizard.machine import Cpu, Machine, Nvidia, NvidiaGpu
from wizard.pythons import probe_interpreter
from wizard.report import doctor_report

PY311 = pyenv_python("3.11")
pytestmark = pytest.mark.skipif(PY311 is None, reason="needs pyenv's Python 3.11")
NO_GPU = Machine(os="linux", arch="x86_64", cpu=Cpu(model="test", cores=2), memory_bytes=8 << 30, disk_free_bytes=100 << 30)
RTX4090_DRIVER550 = Machine(
    os="linux",
    arch="x86_64",
    cpu=Cpu(model="test", cores=2),
    memory_bytes=8 << 30,
    nvidia=Nvidia(driver="550.54.14", cuda="12.4", gpus=[NvidiaGpu(name="NVIDIA GeForce RTX 4090", compute_capability="8.9")]),
)


def machine_file(path: Path, machine: Machine) -> str:
    path.write_bytes(msgspec.json.encode(machine))
    return str(path)


def doctor(env_path: Path, machine: str, run_env: dict[str, str], *extra: str) -> WizardResult:
    return run_wizard("doctor", "--env", str(env_path), "--machine", machine, *extra, env=run_env, timeout=600)


def files_of(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if not p.is_symlink()}


def pip(python: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run([str(python), "-m", "pip", *args], check=True, env=env, stdin=subprocess.DEVNULL, capture_output=True)


@pytest.fixture(scope="session")
def pip_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python 3.11 venv with pip (ensurepip takes seconds), made once and copied by each test."""
    path = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([str(PY311), "-m", "venv", str(path)], check=True, stdin=subprocess.DEVNULL)
    return path


@pytest.fixture
def run_env(pip_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return wizard_env(pip_env, tmp_path / "state")


def test_a_path_that_is_not_an_environment_exits_2(tmp_path: Path, run_env: dict[str, str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("x")
    for path in (tmp_path / "missing", plain):
        r = run_wizard("doctor", "--env", str(path), env=run_env)
        assert r.code == 2 and "is not a virtual environment" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "missing").exists() and [p.name for p in plain.iterdir()] == ["notes.txt"]


def test_a_foreign_environment_is_left_untouched_and_gets_its_report_printed(
    pip_venv: Path, tmp_path: Path, run_env: dict[str, str]
) -> None:
    env = tmp_path / "theirs"
    shutil.copytree(pip_venv, env, symlinks=True)
    install_fake_torch(site_packages(env), FakeTorch())
    before = files_of(env)

    ok = doctor(env, machine_file(tmp_path / "m.json", NO_GPU), run_env)
    assert ok.code == 0, ok.stdout + ok.stderr
    assert "✓ check pytorch: build: torch 2.13.0+cpu, CPU build" in ok.stdout
    assert "# Environment report: " + str(env) in ok.stdout and "- PyTorch version: 2.13.0+cpu" in ok.stdout

    gpu = doctor(env, machine_file(tmp_path / "gpu.json", RTX4090_DRIVER550), run_env, "--json")
    assert gpu.code == 1
    kinds = [e["event"] for e in gpu.events()]
    assert kinds[-2:] == ["report", "done"] and gpu.of("done")[0]["files"].keys() == {"log"}
    [d] = gpu.of("diagnosis")
    assert d["rule"] == "cpu-torch-on-gpu" and "https://download.pytorch.org/whl/cu126" in d["command"]
    report = gpu.of("report")[0]["report"]
    assert report["kind"] == "doctor" and report["environment"]["made_by_wizard"] is False
    assert report["diagnoses"] == [{k: v for k, v in d.items() if k != "event"}]
    assert files_of(env) == before  # not a file written, not even bytecode
    assert Path(gpu.of("done")[0]["files"]["log"]).parent == tmp_path / "state" / "logs"


def test_a_wizard_made_environment_broken_two_ways(
    index_server: IndexServer, wheelhouse: Wheelhouse, tmp_path: Path, run_env: dict[str, str], pip_env: dict[str, str]
) -> None:
    python_info = probe_interpreter(str(PY311), "pyenv")
    machine = machine_file(tmp_path / "m.json", msgspec.structs.replace(NO_GPU, pythons=[python_info]))
    env = tmp_path / "ours"
    a = write_json(
        tmp_path / "a.json",
        answers(
            env,
            packages=["wizlab-gamma"],
            index={"url": index_server.url},
            environment={"kind": "venv", "path": str(env), "python": "3.11"},
        ),
    )
    setup = run_wizard("--answers", str(a), "--machine", machine, "--json", env=run_env)
    assert setup.code == 0, setup.stdout + setup.stderr
    meta = env / ".wizard"
    setup_report = (meta / "report.json").read_text()

    before = files_of(env)
    ok = doctor(env, machine, run_env, "--json")
    assert ok.code == 0, ok.stdout
    assert files_of(env) == before  # changes nothing, even in an environment the wizard made
    files = ok.of("done")[0]["files"]
    assert list(files) == ["log"] and Path(files["log"]).parent == tmp_path / "state" / "logs"
    assert (meta / "report.json").read_text() == setup_report
    [printed] = [e["report"] for e in ok.of("report")]
    assert {"name": "wizlab-gamma", "version": "2.0"} in printed["packages"] and printed["exit_code"] == 0
    assert "PyTorch version" in printed["collect_env"] and "transformers version" in printed["transformers_env"]

    python = env / "bin" / "python"
    pip(python, "uninstall", "-y", "wizlab-beta", env=pip_env)  # a dependency removed
    pip(python, "install", "--no-deps", str(wheelhouse.wheel("wizlab-conflict")), env=pip_env)  # and a conflict
    broken = doctor(env, machine, run_env, "--json")
    assert broken.code == 1
    checks = {c["check"]: c for c in broken.of("check")}
    assert not checks["pip check"]["ok"] and "wizlab-gamma 2.0 requires wizlab-beta" in checks["pip check"]["detail"]
    [d] = broken.of("diagnosis")
    argv = shlex.split(d["command"])
    assert d["rule"] == "pip-check" and argv[:4] == [str(python), "-m", "pip", "install"]
    assert sorted(argv[4:]) == ["wizlab-alpha>=9", "wizlab-beta"]
    assert "✗ diagnosis: 2 requirement(s)" in doctor(env, machine, run_env).stdout  # the plain printer shows it too


def test_a_setup_run_emits_and_reports_its_diagnoses(
    pip_venv: Path,
    index_server: IndexServer,
    wheelhouse: Wheelhouse,
    tmp_path: Path,
    run_env: dict[str, str],
    pip_env: dict[str, str],
) -> None:
    env = tmp_path / "existing"
    shutil.copytree(pip_venv, env, symlinks=True)
    pip(env / "bin" / "python", "install", "--no-deps", str(wheelhouse.wheel("wizlab-conflict")), env=pip_env)
    a = write_json(
        tmp_path / "a.json",
        answers(
            env, packages=["wizlab-alpha"], index={"url": index_server.url}, environment={"kind": "existing", "path": str(env)}
        ),
    )
    r = run_wizard("--answers", str(a), "--machine", machine_file(tmp_path / "m.json", NO_GPU), "--json", env=run_env)
    assert r.code == 1
    [d] = r.of("diagnosis")
    assert d["rule"] == "pip-check" and d["command"].endswith("install 'wizlab-alpha>=9'")
    kinds = [e["event"] for e in r.events()]
    assert kinds.index("diagnosis") > max(i for i, k in enumerate(kinds) if k == "check") and kinds[-1] == "done"
    report = json.loads((env / ".wizard" / "report.json").read_text())
    assert report["diagnoses"][0]["rule"] == "pip-check" and "## Diagnoses" in (env / ".wizard" / "report.md").read_text()


def test_report_redacts_credentials_anywhere() -> None:
    check = Check("import x", False, "could not reach https://alice:s3cret@mirror.example/simple/x")
    report = doctor_report(NO_GPU, {"path": "/e"}, [check], [], datetime.now(timezone.utc), "failed", 1, Path("/log"))
    assert "s3cret" not in json.dumps(report) and "https://****@mirror.example" in report["checks"][0]["detail"]


# ---- the real PyTorch CPU build --------------------------------------------------------------------


def _local_torch_wheel() -> Path | None:
    """The torch 2.13.0 CPU wheel in the machine's find-links folders: without one, pip would download gigabytes."""
    for folder in os.environ.get("PIP_FIND_LINKS", "").split():
        found = sorted(Path(folder.removeprefix("file://")).glob("torch-2.13.0+cpu-cp311-*.whl"))
        if found:
            return found[0]
    return None


@pytest.fixture(scope="session")
def torch_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One venv per session with the real torch CPU build and the fine-tuning stack, installed with the machine's pip config."""
    if _local_torch_wheel() is None:
        pytest.skip("no local torch 2.13.0 CPU wheel in PIP_FIND_LINKS")
    env = tmp_path_factory.mktemp("torch") / "env"
    subprocess.run([str(PY311), "-m", "venv", str(env)], check=True, stdin=subprocess.DEVNULL)
    machine_pip = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pip(
        env / "bin" / "python",
        "install",
        "--only-binary=:all:",
        "torch==2.13.0",
        "transformers",
        "peft",
        "accelerate",
        "datasets",
        env=machine_pip,
    )
    return env


@pytest.mark.torch
def test_real_torch_cpu_build_trains_a_lora_step_and_is_flagged_on_a_gpu_machine(
    torch_env: Path, tmp_path: Path, run_env: dict[str, str]
) -> None:
    ok = doctor(torch_env, machine_file(tmp_path / "m.json", NO_GPU), run_env, "--json")
    checks: dict[str, dict[str, Any]] = {c["check"]: c for c in ok.of("check")}
    print(
        "\n".join(f"{'ok  ' if c['ok'] else 'FAIL'} {c['check']}: {c['detail']} ({c['seconds']:.1f} s)" for c in checks.values())
    )
    assert ok.code == 0, [c for c in checks.values() if not c["ok"]]
    assert checks["pytorch: build"]["data"]["build"] == "cpu" and checks["pytorch: tensor op on cpu"]["ok"]
    lora = checks["fine-tuning: LoRA training step"]["data"]
    assert lora["device"] == "cpu" and lora["changed"] > 0 and lora["base_unchanged"]
    assert checks["accelerate: device"]["data"]["device"] == "cpu" and checks["datasets: map"]["ok"]
    report = ok.of("report")[0]["report"]
    assert report["collect_env"]["PyTorch version"] == "2.13.0+cpu" and report["collect_env"]["Is CUDA available"] is False

    gpu = doctor(torch_env, machine_file(tmp_path / "gpu.json", RTX4090_DRIVER550), run_env, "--json")
    assert gpu.code == 1
    failed = {c["check"] for c in gpu.of("check") if not c["ok"]}
    assert failed == {"pytorch: build", "accelerate: device"}
    [d] = gpu.of("diagnosis")
    print(f"diagnosis: {d['cause']}\n  fix: {d['fix']}\n  $ {d['command']}")
    assert d["rule"] == "cpu-torch-on-gpu"
    assert shlex.split(d["command"])[:8] == [
        str(torch_env / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--force-reinstall",
        "--index-url",
        "https://download.pytorch.org/whl/cu126",
        "torch==2.14.*",
    ]


# ---- from PyPI ---------------------------------------------------------------------------------------


@pytest.mark.network
def test_seeds_environment_from_pypi_broken_then_mended_by_the_diagnosed_command(
    tmp_path: Path, run_env: dict[str, str], pip_env: dict[str, str]
) -> None:
    env = tmp_path / "seeds"
    a = write_json(
        tmp_path / "a.json",
        answers(env, frameworks=["numpy", "scikit-learn"], environment={"kind": "venv", "path": str(env), "python": "3.11"}),
    )
    assert run_wizard("--answers", str(a), "--json", env=run_env, timeout=600).code == 0
    machine = machine_file(tmp_path / "m.json", NO_GPU)
    assert doctor(env, machine, run_env).code == 0

    python = env / "bin" / "python"
    pip(python, "uninstall", "-y", "joblib", env=pip_env)
    pip(python, "install", "threadpoolctl==2.0.0", env=pip_env)
    broken = doctor(env, machine, run_env, "--json")
    assert broken.code == 1
    checks = {c["check"]: c for c in broken.of("check")}
    assert not checks["import scikit-learn"]["ok"] and "joblib" in checks["import scikit-learn"]["detail"]
    [d] = broken.of("diagnosis")
    assert d["rule"] == "pip-check" and any("requires joblib" in e for e in d["evidence"])
    assert any("but you have threadpoolctl 2.0.0" in e for e in d["evidence"])
    subprocess.run(shlex.split(d["command"]), check=True, env=pip_env, stdin=subprocess.DEVNULL, capture_output=True)
    mended = doctor(env, machine, run_env)
    assert mended.code == 0, mended.stdout
