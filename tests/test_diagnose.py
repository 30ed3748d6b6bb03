"""Each diagnosis rule, triggered. GPU rules start from the real probe over stand-in torch and
tensorflow packages (so the rules read the data the probe really produces); the rest from the
output and machine facts that trigger them."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

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
from wizard.builds import decide
from wizard.catalog import load_catalog
from wizard.diagnose import diagnose, observe
from wizard.events import Diagnosis
from wizard.machine import Machine, Nvidia, NvidiaGpu, PythonInfo
from wizard.verify import machine_facts, pip_check

PY311 = pyenv_python("3.11") or sys.executable
CATALOG = load_catalog()


def nvidia_machine(gpu: FakeGpu, driver: str | None = "580.65.06", cuda: str | None = "13.0", **over: object) -> Machine:
    fields: dict[str, object] = {"os": "linux", "arch": "x86_64", **over}
    return Machine(
        nvidia=Nvidia(
            driver=driver, cuda=cuda, gpus=[NvidiaGpu(name=gpu.name, compute_capability="{}.{}".format(*gpu.capability))]
        ),
        **fields,
    )  # type: ignore[arg-type]


def diagnoses_for(
    tmp_path: Path,
    machine: Machine,
    torch: FakeTorch | None = None,
    tf: FakeTensorflow | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Diagnosis]:
    """Run the real probe in a venv holding the stand-ins, then the rules; the diagnoses by rule."""
    env = bare_venv(PY311, tmp_path / "env")
    site = site_packages(env)
    if torch:
        install_fake_torch(site, torch)
    if tf:
        install_fake_tensorflow(site, tf)
    for name, version in (extra or {}).items():
        add_distribution(site, name, version, {})
    python = str(env / "bin" / "python")
    spec = {"frameworks": [], "packages": [], "machine": machine_facts(machine), "expect": {}}
    checks = run_probe(python, spec, tmp_path / "probe.log")
    return {d.rule: d for d in diagnose(observe(checks.values(), machine, CATALOG, python))}


def torch_decision(machine: Machine) -> tuple[str, str]:
    d = decide(["pytorch"], machine, "auto", CATALOG, False, "3.11.7")[0]
    assert d.index_url
    return d.variant, d.index_url


def test_cpu_torch_on_a_gpu_machine_gets_the_reinstall_command_with_the_right_index(tmp_path: Path) -> None:
    machine = nvidia_machine(RTX4090, "550.54.14", "12.4")
    found = diagnoses_for(tmp_path, machine, FakeTorch())
    d = found["cpu-torch-on-gpu"]
    variant, url = torch_decision(machine)
    assert variant == "cu126"  # driver 550 runs CUDA 12 builds, and cu126 has code for 8.9
    argv = shlex.split(d.command or "")
    assert argv[1:5] == ["-m", "pip", "install", "--force-reinstall"] and argv[argv.index("--index-url") + 1] == url
    assert "torch==2.14.*" in argv and d.severity == "error"
    assert any("torch.version.cuda is None" in e for e in d.evidence)


def test_a_cpu_build_that_replaced_a_cuda_one_is_named(tmp_path: Path) -> None:
    found = diagnoses_for(tmp_path, nvidia_machine(RTX4090), FakeTorch(), extra={"nvidia-cudnn-cu12": "9.1.0.70"})
    d = found["cpu-torch-on-gpu"]
    assert "replaced a CUDA build" in d.cause and any("nvidia-cudnn-cu12 9.1.0.70" in e for e in d.evidence)


def test_driver_too_old_for_the_build_names_the_driver_needed_and_the_build_that_fits(tmp_path: Path) -> None:
    machine = nvidia_machine(RTX4090, "550.54.14", "12.4")
    warning = "CUDA initialization: The NVIDIA driver on your system is too old (found version 12040)."
    torch = FakeTorch("2.13.0+cu130", cuda="13.0", available=False, gpus=[RTX4090], arch_list=CU130_ARCHES, warning=warning)
    d = diagnoses_for(tmp_path, machine, torch)["driver-too-old"]
    assert "550.54.14" in d.cause and "to 580 or newer" in d.fix
    assert warning in d.evidence and any("CUDA 13.0 build" in e for e in d.evidence)
    assert "--index-url https://download.pytorch.org/whl/cu126" in (d.command or "")


def test_gpu_architecture_missing_from_the_build_names_the_build_that_has_it(tmp_path: Path) -> None:
    machine = nvidia_machine(V100)
    torch = FakeTorch("2.13.0+cu130", cuda="13.0", available=True, gpus=[V100], arch_list=CU130_ARCHES, matmul="no-kernel")
    d = diagnoses_for(tmp_path, machine, torch)["gpu-arch-missing"]
    assert "Tesla V100-SXM2-16GB (compute capability 7.0)" in d.cause
    assert any("no kernel image" in e for e in d.evidence)
    assert torch_decision(machine) == ("cu126", "https://download.pytorch.org/whl/cu126")  # the build with 7.0 code
    assert "https://download.pytorch.org/whl/cu126" in (d.command or "")


def test_two_torch_builds_are_uninstalled_one_by_one_then_one_installed(tmp_path: Path) -> None:
    machine = Machine(os="linux", arch="x86_64")
    env = bare_venv(PY311, tmp_path / "env")
    install_fake_torch(site_packages(env), FakeTorch())
    add_distribution(site_packages(env), "torch", "2.12.0", {})
    python = str(env / "bin" / "python")
    checks = run_probe(python, {"machine": machine_facts(machine)}, tmp_path / "probe.log")
    d = {x.rule: x for x in diagnose(observe(checks.values(), machine, CATALOG, python))}["torch-duplicates"]
    steps = (d.command or "").split(" && ")
    assert steps[:2] == [f"{python} -m pip uninstall -y torch"] * 2
    assert "--index-url https://download.pytorch.org/whl/cpu" in steps[2]


def test_tensorflow_on_native_windows_is_sent_to_wsl2(tmp_path: Path) -> None:
    machine = nvidia_machine(RTX4090, os="windows")
    d = diagnoses_for(tmp_path, machine, tf=FakeTensorflow(gpus=0))["tensorflow-windows-gpu"]
    assert d.severity == "error" and d.command == "wsl --install -d Ubuntu" and "WSL2" in d.fix


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="dlopen and /proc/self/maps")
def test_ld_library_path_shadowing_the_cuda_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    libz = next(
        (p for p in (Path("/lib/x86_64-linux-gnu/libz.so.1"), Path("/usr/lib/x86_64-linux-gnu/libz.so.1")) if p.exists()), None
    )
    if libz is None:
        pytest.skip("needs a shared library to stand in for libcudart")
    cuda_dir = tmp_path / "old-cuda" / "lib64"
    cuda_dir.mkdir(parents=True)
    shutil.copy(libz, cuda_dir / "libcudart.so.12")
    monkeypatch.setenv("LD_LIBRARY_PATH", str(cuda_dir))
    found = diagnoses_for(
        tmp_path,
        nvidia_machine(RTX4090),
        tf=FakeTensorflow(gpus=0, load=["libcudart.so.12"]),
        extra={"nvidia-cuda-runtime-cu12": "12.5.82"},
    )
    d = found["ld-library-path"]
    assert d.severity == "error" and d.command == "unset LD_LIBRARY_PATH"
    assert f"TensorFlow loaded {cuda_dir}/libcudart.so.12" in d.evidence


def test_an_nvidia_gpu_without_a_driver() -> None:
    machine = nvidia_machine(RTX4090, driver=None, cuda=None, distro="Ubuntu 24.04")
    [d] = diagnose(observe([], machine, CATALOG, "/env/bin/python"))
    assert d.rule == "nvidia-driver-missing" and d.severity == "warning" and d.command == "sudo ubuntu-drivers install"


def test_python_too_new_for_a_framework_lists_the_versions_that_work() -> None:
    machine = Machine(os="linux", arch="x86_64", pythons=[PythonInfo(path="/usr/bin/python3.12", version="3.12.3")])
    output = [
        "ERROR: Could not find a version that satisfies the requirement tensorflow (from versions: none)",
        "ERROR: No matching distribution found for tensorflow",
    ]
    [d] = diagnose(observe([], machine, CATALOG, "/env/bin/python", "3.14.0", output))
    assert d.rule == "python-version" and "TensorFlow" in d.cause and "3.14.0" in d.cause
    assert "3.13" in d.fix and '"3.12" (/usr/bin/python3.12 is on this machine)' in d.fix and d.evidence == output


def test_missing_python_venv_package_on_debian() -> None:
    line = (
        "The virtual environment was not created successfully because ensurepip is not available.  On Debian/Ubuntu "
        "systems, you need to install the python3-venv package using the following command."
    )
    [d] = diagnose(observe([], Machine(os="linux", arch="x86_64"), CATALOG, "/env/bin/python", "3.11.2", ["Error: x", line]))
    assert d.rule == "python-venv-missing" and d.command == "sudo apt install python3.11-venv" and d.evidence == [line]


def test_pip_check_conflicts_become_one_install_command() -> None:
    output = [
        "wizlab-beta 1.0 requires wizlab-alpha, which is not installed.",
        "wizlab-conflict 1.0 has requirement wizlab-alpha>=9, but you have wizlab-alpha 1.1.",
    ]
    [d] = diagnose(observe([pip_check(False, output)], Machine(os="linux", arch="x86_64"), CATALOG, "/env/bin/python"))
    assert d.rule == "pip-check" and d.evidence == output
    assert d.command == "/env/bin/python -m pip install wizlab-alpha 'wizlab-alpha>=9'"


def test_a_healthy_gpu_environment_has_nothing_to_diagnose(tmp_path: Path) -> None:
    torch = FakeTorch("2.13.0+cu130", cuda="13.0", available=True, gpus=[RTX4090], arch_list=CU130_ARCHES)
    assert diagnoses_for(tmp_path, nvidia_machine(RTX4090), torch, FakeTensorflow(gpus=1)) == {}
