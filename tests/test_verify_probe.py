"""The verification probe for real, in real venvs, over stand-in torch and tensorflow packages that
play the GPU builds this machine cannot run: what each check sees, and that a hung or crashing
check costs only its own group."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from support.fake_torch import (
    CU130_ARCHES,
    RTX4090,
    V100,
    FakeGpu,
    FakeTensorflow,
    FakeTorch,
    add_distribution,
    bare_venv,
    install_fake_tensorflow,
    install_fake_torch,
    run_probe,
    site_packages,
)
from support.wizard_cli import pyenv_python
from wizard.machine import Intel, IntelGpu, Machine, Nvidia, NvidiaGpu
from wizard.verify import machine_facts

PY311 = pyenv_python("3.11") or sys.executable
PY39 = pyenv_python("3.9")


def gpu_machine(*gpus: FakeGpu, driver: str = "580.65.06", cuda: str = "13.0") -> dict[str, Any]:
    m = Machine(
        os="linux",
        arch="x86_64",
        nvidia=Nvidia(
            driver=driver,
            cuda=cuda,
            gpus=[NvidiaGpu(name=g.name, compute_capability="{}.{}".format(*g.capability)) for g in gpus],
        ),
    )
    return machine_facts(m)


def spec(machine: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    return {
        "frameworks": [{"id": "pytorch", "imports": ["torch"], "packages": ["torch"]}],
        "packages": [],
        "machine": machine or {"os": "linux"},
        "expect": {},
        **over,
    }


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return bare_venv(PY311, tmp_path / "env")


def probe(env: Path, s: dict[str, Any]) -> dict[str, Any]:
    return run_probe(str(env / "bin" / "python"), s, env.parent / "probe.log")


def test_cpu_build_on_a_gpu_machine_fails_unless_cpu_was_asked_for(venv: Path) -> None:
    install_fake_torch(site_packages(venv), FakeTorch())
    checks = probe(venv, spec(gpu_machine(RTX4090)))
    build = checks["pytorch: build"]
    assert not build.ok and "CPU build" in build.detail and "RTX 4090" in build.detail
    assert build.data["build"] == "cpu" and build.data["cuda"] is None
    assert checks["pytorch: tensor op on cpu"].ok and checks["pytorch: tensor op on cpu"].data["value"] == 83.0
    assert checks["import pytorch"].ok and "2.13.0+cpu" in checks["import pytorch"].detail
    assert probe(venv, spec(gpu_machine(RTX4090), expect={"pytorch": "cpu"}))["pytorch: build"].ok


@pytest.mark.skipif(PY39 is None, reason="needs pyenv's Python 3.9")
def test_cuda_build_every_gpu_checked_on_python_39(tmp_path: Path) -> None:
    """The probe runs on the oldest Python the wizard targets (DESIGN.md invariant 7)."""
    env = bare_venv(str(PY39), tmp_path / "env39")
    gpus = [RTX4090, FakeGpu("NVIDIA GeForce RTX 3090", (8, 6))]
    install_fake_torch(
        site_packages(env), FakeTorch("2.13.0+cu130", cuda="13.0", available=True, gpus=gpus, arch_list=CU130_ARCHES, cudnn=91000)
    )
    checks = probe(env, spec(gpu_machine(*gpus)))
    assert checks["environment: Python and platform"].data["python"].startswith("3.9.")
    assert checks["pytorch: build"].ok and checks["pytorch: build"].data["arch_list"] == CU130_ARCHES
    assert "2 device(s)" in checks["pytorch: GPU available"].detail
    assert checks["pytorch: architecture of GPU 0"].data["covered_by"] == "sm_86"  # 8.9 runs 8.6 code
    assert checks["pytorch: architecture of GPU 1"].data["covered_by"] == "sm_86"
    for i in (0, 1):
        assert checks[f"pytorch: matmul on cuda:{i}"].ok
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]


def test_wrong_results_on_the_gpu_fail_the_matmul(venv: Path) -> None:
    install_fake_torch(
        site_packages(venv),
        FakeTorch("2.13.0+cu130", cuda="13.0", available=True, gpus=[RTX4090], arch_list=CU130_ARCHES, matmul="wrong"),
    )
    matmul = probe(venv, spec(gpu_machine(RTX4090)))["pytorch: matmul on cuda:0"]
    assert not matmul.ok and matmul.data["max_abs_error"] == pytest.approx(1.0)


def test_a_hung_check_times_out_and_the_other_groups_still_run(venv: Path) -> None:
    site = site_packages(venv)
    install_fake_torch(
        site, FakeTorch("2.13.0+cu130", cuda="13.0", available=True, gpus=[RTX4090], arch_list=CU130_ARCHES, matmul="hang")
    )
    install_fake_tensorflow(site, FakeTensorflow(gpus=1))
    checks = probe(venv, spec(gpu_machine(RTX4090), timeout_s=2))
    hung = checks["pytorch: matmul on cuda:0"]
    assert not hung.ok and hung.detail == "did not finish within 2 s" and hung.seconds < 10
    assert checks["tensorflow: op on GPU"].ok


def test_a_crashing_check_is_reported_with_where_it_died(venv: Path) -> None:
    site = site_packages(venv)
    install_fake_torch(
        site, FakeTorch("2.13.0+cu130", cuda="13.0", available=True, gpus=[RTX4090], arch_list=CU130_ARCHES, matmul="crash")
    )
    install_fake_tensorflow(site, FakeTensorflow(gpus=0))
    checks = probe(venv, spec(gpu_machine(RTX4090)))
    crash = checks["pytorch: check process"]
    assert not crash.ok and "SIGSEGV" in crash.detail and "'pytorch: matmul on cuda:0'" in crash.detail
    assert not checks["tensorflow: GPUs"].ok  # the next group ran: it sees no GPU on a GPU machine


def test_two_torch_builds_and_cuda_wheels_left_behind_by_a_cpu_build(venv: Path) -> None:
    site = site_packages(venv)
    add_distribution(site, "nvidia-cublas-cu12", "12.6.4.1", {}, installed_at=1_000_000)
    install_fake_torch(site, FakeTorch())
    add_distribution(site, "torch", "2.12.0", {})
    checks = probe(venv, spec(gpu_machine(RTX4090)))
    one = checks["pytorch: one build installed"]
    assert not one.ok and {d["version"] for d in one.data["distributions"]} == {"2.13.0+cpu", "2.12.0"}
    kept = checks["pytorch: CUDA build not replaced"]
    assert not kept.ok and "nvidia-cublas-cu12" in kept.detail and "installed" in kept.detail
    assert kept.data["leftover_cuda_packages"][0]["installed_before_torch_s"] > 0
    assert probe(venv, spec(gpu_machine(RTX4090), expect={"pytorch": "cpu"}))["pytorch: CUDA build not replaced"].ok


def test_imports_name_what_is_broken_and_what_is_missing(venv: Path) -> None:
    site = site_packages(venv)
    add_distribution(site, "wizlab-ok", "1.0", {"wizlab_ok/__init__.py": "__version__ = '1.0'\n"})
    add_distribution(site, "wizlab-broken", "1.0", {"wizlab_broken/__init__.py": "raise ImportError('broken on purpose')\n"})
    add_distribution(site, "wizlab-meta", "1.0", {})
    checks = probe(venv, {"frameworks": [], "packages": ["wizlab-ok>=1", "wizlab-absent"], "machine": {"os": "linux"}})
    assert checks["import wizlab-ok"].ok and checks["import wizlab-ok"].data["modules"][0]["version"] == "1.0"
    assert not checks["import wizlab-absent"].ok and "not installed" in checks["import wizlab-absent"].detail
    every = checks["import: every installed distribution"]
    assert not every.ok and "wizlab-broken (ImportError: broken on purpose)" in every.detail
    rows = {r["name"]: r for r in every.data["distributions"]}
    assert rows["wizlab-ok"]["location"].endswith("wizlab_ok/__init__.py") and rows["wizlab-meta"]["module"] is None
    packages = {p["name"]: p for p in checks["environment: installed distributions"].data["packages"]}
    assert packages["wizlab-ok"]["version"] == "1.0" and packages["wizlab-ok"]["installer"] == "pip"


def test_an_import_that_needs_an_uninstalled_optional_package_is_not_a_failure(venv: Path) -> None:
    """ipykernel brings matplotlib-inline, whose import needs matplotlib, which it does not require."""
    site = site_packages(venv)
    needs = "import wizlab_plot\n"
    add_distribution(site, "wizlab-inline", "1.0", {"wizlab_inline/__init__.py": needs})
    add_distribution(
        site, "wizlab-needs-dep", "1.0", {"wizlab_needs_dep/__init__.py": "import wizlab_dep\n"}, requires=("wizlab-dep>=1",)
    )
    add_distribution(site, "wizlab-needs-present", "1.0", {"wizlab_needs_present/__init__.py": "import wizlab_inner.gone\n"})
    add_distribution(site, "wizlab-inner", "1.0", {"wizlab_inner/__init__.py": ""})
    every = probe(venv, {"frameworks": [], "packages": [], "machine": {"os": "linux"}})["import: every installed distribution"]
    rows = {r["name"]: r for r in every.data["distributions"]}
    assert rows["wizlab-inline"]["needs_optional"] == "wizlab_plot"
    # a declared requirement that is missing, or a module of an installed package that is broken, still fails
    assert not every.ok and "wizlab-needs-dep (ModuleNotFoundError" in every.detail
    assert "wizlab-needs-present (ModuleNotFoundError" in every.detail and "wizlab-inline (" not in every.detail
    for module in ("wizlab_needs_dep", "wizlab_needs_present"):
        shutil.rmtree(site / module)
        shutil.rmtree(site / f"{module}-1.0.dist-info")
    every = probe(venv, {"frameworks": [], "packages": [], "machine": {"os": "linux"}})["import: every installed distribution"]
    assert every.ok and "wizlab-inline needs an optional package that is not installed (wizlab_plot)" in every.detail


def test_tensorflow_on_a_gpu_machine_must_see_the_gpu(venv: Path) -> None:
    install_fake_tensorflow(site_packages(venv), FakeTensorflow(gpus=0))
    checks = probe(venv, spec(gpu_machine(RTX4090)))
    assert checks["tensorflow: build"].data["cuda"] == "12.5.1"
    assert not checks["tensorflow: GPUs"].ok and "RTX 4090" in checks["tensorflow: GPUs"].detail
    assert "tensorflow: op on GPU" not in checks
    assert probe(venv, spec())["tensorflow: GPUs"].ok  # no GPU here, none expected


def test_arch_coverage_follows_the_same_major_lower_minor_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "wizard" / "probes"))
    from probe_pytorch import covering_arch

    assert covering_arch(["sm_80", "sm_86"], "8.9") == "sm_86"
    assert covering_arch(["sm_75", "sm_80"], "7.0") is None  # 7.5 code never runs on 7.0
    assert covering_arch(["sm_90", "sm_100"], "12.0") is None  # nor on another major
    assert covering_arch(["sm_90", "compute_90"], "12.0") == "compute_90"  # PTX is compiled for newer GPUs
    assert covering_arch(["sm_90a"], "9.0") == "sm_90a" and covering_arch(["sm_90a"], "9.1") is None
    assert covering_arch(CU130_ARCHES, "{}.{}".format(*V100.capability)) is None


def intel_machine() -> dict[str, Any]:
    return machine_facts(Machine(os="linux", arch="x86_64", intel=Intel(gpus=[IntelGpu(name="Intel Arc B580")])))


@pytest.mark.integration
def test_xpu_build_runs_a_matmul_on_the_intel_gpu(venv: Path) -> None:
    arc = FakeGpu("Intel(R) Arc(TM) B580 Graphics", (0, 0))
    install_fake_torch(site_packages(venv), FakeTorch("2.15.0+xpu", xpu="20250101", available=True, gpus=[arc]))
    checks = probe(venv, spec(intel_machine(), expect={"pytorch": "xpu"}))
    assert checks["pytorch: build"].ok and checks["pytorch: build"].data["build"] == "xpu"
    assert checks["pytorch: GPU available"].ok and "xpu.is_available() True" in checks["pytorch: GPU available"].detail
    assert checks["pytorch: matmul on xpu:0"].ok


@pytest.mark.integration
def test_cpu_torch_on_an_intel_gpu_machine_and_a_failing_xpu_kernel(venv: Path) -> None:
    install_fake_torch(site_packages(venv), FakeTorch())
    build = probe(venv, spec(intel_machine()))["pytorch: build"]
    assert not build.ok and "Intel Arc B580" in build.detail
    arc = FakeGpu("Intel(R) Arc(TM) B580 Graphics", (0, 0))
    fresh = bare_venv(PY311, venv.parent / "env2")
    install_fake_torch(
        site_packages(fresh), FakeTorch("2.15.0+xpu", xpu="20250101", available=True, gpus=[arc], matmul="no-kernel")
    )
    assert not probe(fresh, spec(intel_machine()))["pytorch: matmul on xpu:0"].ok


def test_groups_run_concurrently_where_memory_allows(venv: Path) -> None:
    """torch is imported by the imports group and the pytorch group: on a CPU machine with memory to
    spare both import it at once. Each import records when it ran; the two spans overlap."""
    site = site_packages(venv)
    install_fake_torch(site, FakeTorch())
    init = site / "torch" / "__init__.py"
    spans = venv.parent / "spans"
    init.write_text(
        f"import time\n_start = time.time()\ntime.sleep(1)\n"
        f"with open({str(spans)!r}, 'a') as _f:\n    _f.write(f'{{_start}} {{time.time()}}\\n')\n" + init.read_text()
    )
    checks = probe(venv, spec())
    assert checks["import pytorch"].ok and checks["pytorch: tensor op on cpu"].ok
    (_, a_end), (b_start, _) = sorted(tuple(map(float, line.split())) for line in spans.read_text().splitlines())
    assert b_start < a_end, "the second import began only after the first had ended"
