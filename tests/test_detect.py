"""Machine detection: NVML scenarios through a fake C library, /proc and /sys fallbacks in a tmp tree,
ROCm, WSL, interpreter discovery, never raising, and the machine files in assets/machines."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import replace
from pathlib import Path

import msgspec
import pytest

import wizard.detect
import wizard.detect.intel
import wizard.detect.nvidia
from support.fake_nvml import SCENARIOS, fake_nvml  # noqa: F401 - fake_nvml is a fixture
from wizard.detect import detect_machine
from wizard.detect_render import render_machine
from wizard.machine import Machine, PythonInfo, load_machine
from wizard.paths import asset
from wizard.problems import InputError
from wizard.pythons import candidate_paths, is_supported_target, probe_interpreter, venv_hint

GiB = 2**30

MACHINE_FILES = [
    "rtx4090-driver550",
    "8xh100-driver535",
    "gtx1080ti-driver580",
    "rtx5090-driver570",
    "rtx5090-driver580",
    "mixed-3090-4090",
    "gpu-no-driver",
    "cpu-only-linux",
    "macos-arm64",
    "windows-rtx4070",
    "wsl2-rtx3080",
    "rocm-mi250",
    "old-driver-470",
    "gh200-driver580",
    "mi300x-rocm72",
    "intel-arc-b580",
    "jetson-orin",
]

ROCMINFO = """\
ROCk module is loaded
=====================
HSA Agents
==========
*******
Agent 1
*******
  Name:                    AMD EPYC 7763 64-Core Processor
  Marketing Name:          AMD EPYC 7763 64-Core Processor
  Device Type:             CPU
*******
Agent 2
*******
  Name:                    gfx90a
  Uuid:                    GPU-3e6e1a2b7f5c9d10
  Marketing Name:          AMD Instinct MI250X/MI250
  Vendor Name:             AMD
  Device Type:             GPU
  Pool Info:
    Pool 1
      Segment:                 GLOBAL; FLAGS: COARSE GRAINED
      Size:                    67092480(0x3ffc000) KB
  ISA Info:
    ISA 1
      Name:                    amdgcn-amd-amdhsa--gfx90a:sramecc+:xnack-
*******
Agent 3
*******
  Name:                    gfx1100
  Marketing Name:
  Device Type:             GPU
*** Done ***
"""


def write(path: Path, text: str, executable: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def pci_device(root: Path, bus: str, vendor: str, device: str, cls: str, driver: str | None = None) -> None:
    """A device in a fake /sys/bus/pci; `driver` bound the way the kernel shows it, as a `driver` link to
    /sys/bus/pci/drivers/<name>."""
    d = root / "sys/bus/pci/devices" / bus
    for name, value in (("vendor", vendor), ("device", device), ("class", cls)):
        write(d / name, value + "\n")
    if driver:
        (root / "sys/bus/pci/drivers" / driver).mkdir(parents=True, exist_ok=True)
        (d / "driver").symlink_to(Path("../../drivers") / driver)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty filesystem root, and a PATH with no nvidia-smi or rocminfo on it."""
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("ROCM_PATH", raising=False)
    return tmp_path


# --- NVIDIA through NVML ---------------------------------------------------------------------------

EXPECTED = {  # scenario -> driver, CUDA, compute capabilities, GiB of the first GPU (rounded)
    "rtx4090-driver550": ("550.54.14", "12.4", ["8.9"], 24),
    "8xh100-driver535": ("535.183.01", "12.2", ["9.0"] * 8, 80),
    "gtx1080ti-driver580": ("580.65.06", "13.0", ["6.1"], 11),
    "rtx5090-driver570": ("570.124.04", "12.8", ["12.0"], 32),
    "mixed-3090-4090": ("550.54.14", "12.4", ["8.6", "8.9"], 24),
    "cuda-v2-missing": ("535.183.01", "12.2", ["8.9"], 24),
}


@pytest.mark.parametrize("scenario", EXPECTED)
def test_nvml_scenarios(scenario: str, fake_nvml, root: Path) -> None:  # noqa: F811
    lib = fake_nvml(SCENARIOS[scenario])
    m = detect_machine(probe_pythons=False, root=root)
    driver, cuda, ccs, gib = EXPECTED[scenario]
    assert m.nvidia is not None and m.sources["nvidia"] == "nvml"
    assert (m.nvidia.driver, m.nvidia.cuda) == (driver, cuda)
    assert [g.compute_capability for g in m.nvidia.gpus] == ccs
    assert round(m.nvidia.gpus[0].memory_bytes / GiB) == gib
    assert m.nvidia.gpus[0].pci_bus_id and m.nvidia.gpus[0].pci_bus_id.startswith("00000000:")
    assert [g.name for g in m.nvidia.gpus] == [g.name for g in SCENARIOS[scenario].gpus]
    assert lib.errors == [] and lib.calls[-1] == "nvmlShutdown"
    assert ("nvmlSystemGetCudaDriverVersion" in lib.calls) == (scenario == "cuda-v2-missing")
    assert f"CUDA up to {cuda}" in render_machine(m)


def test_nvml_error_midway_still_shuts_down(fake_nvml, root: Path) -> None:  # noqa: F811
    lib = fake_nvml(replace(SCENARIOS["rtx4090-driver550"], missing=frozenset({"nvmlDeviceGetCudaComputeCapability"})))
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is None and "Function Not Found" in m.sources["nvidia"]
    assert lib.calls[-1] == "nvmlShutdown"


def test_no_library_and_no_gpu(fake_nvml, root: Path) -> None:  # noqa: F811
    fake_nvml(SCENARIOS["library-missing"])
    pci_device(root, "0000:00:02.0", "0x8086", "0x4680", "0x030000")  # an Intel iGPU is not an NVIDIA GPU
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is None
    assert "NVML Shared Library Not Found" in m.sources["nvidia"] and "no NVIDIA display device" in m.sources["nvidia"]
    assert "none found" in render_machine(m)


def test_gpu_on_pci_without_driver(fake_nvml, root: Path) -> None:  # noqa: F811
    lib = fake_nvml(SCENARIOS["driver-not-loaded"])
    pci_device(root, "0000:01:00.0", "0x10de", "0x2684", "0x030000")
    pci_device(root, "0000:01:00.1", "0x10de", "0x22ba", "0x040300")  # the card's HDMI audio function
    pci_device(root, "0000:02:00.0", "0x10de", "0x9999", "0x030200")  # an unknown 3D controller
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is not None and m.nvidia.driver is None
    assert [(g.name, g.compute_capability, g.pci_bus_id) for g in m.nvidia.gpus] == [
        ("NVIDIA GeForce RTX 4090", None, "0000:01:00.0"),
        ("NVIDIA GPU (PCI 0x9999)", None, "0000:02:00.0"),
    ]
    assert "Driver Not Loaded" in m.sources["nvidia"]
    assert "nvmlShutdown" not in lib.calls  # init failed: nothing to shut down
    assert "NVIDIA GPU found but no driver loaded" in render_machine(m)


PROC_VERSION = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release Build  "
    "(dvs-builder@U16-I3-B03-4-3)  Thu Feb 22 01:25:25 UTC 2024\nGCC version:  gcc version 12.2.0\n"
)


def test_proc_driver_version_fallback(fake_nvml, root: Path) -> None:  # noqa: F811
    fake_nvml(SCENARIOS["library-missing"])
    write(root / "proc/driver/nvidia/version", PROC_VERSION)
    pci_device(root, "0000:01:00.0", "0x10de", "0x2684", "0x030000")
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is not None and m.nvidia.driver == "550.54.14" and m.nvidia.cuda is None
    assert m.nvidia.gpus[0].name == "NVIDIA GeForce RTX 4090"
    assert "/proc/driver/nvidia/version" in m.sources["nvidia"]


def test_nvidia_smi_fallback(fake_nvml, root: Path) -> None:  # noqa: F811
    fake_nvml(SCENARIOS["library-missing"])
    write(root / "proc/driver/nvidia/version", PROC_VERSION)
    write(
        root / "bin/nvidia-smi",
        "#!/bin/sh\necho 'NVIDIA GeForce RTX 4090, 24564, 8.9, 550.54.14, 00000000:01:00.0'\n",
        executable=True,
    )
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is not None and m.sources["nvidia"].endswith("nvidia-smi")
    gpu = m.nvidia.gpus[0]
    assert (m.nvidia.driver, gpu.name, gpu.compute_capability, gpu.memory_bytes) == (
        "550.54.14",
        "NVIDIA GeForce RTX 4090",
        "8.9",
        24564 * 2**20,
    )


def test_hanging_nvidia_smi_times_out(fake_nvml, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    fake_nvml(SCENARIOS["library-missing"])
    monkeypatch.setattr(wizard.detect.nvidia, "SMI_TIMEOUT_S", 0.2)
    write(root / "proc/driver/nvidia/version", PROC_VERSION)
    write(root / "bin/nvidia-smi", "#!/bin/sh\n/bin/sleep 30; echo late\n", executable=True)
    pci_device(root, "0000:01:00.0", "0x10de", "0x2684", "0x030000")
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is not None and m.nvidia.driver == "550.54.14" and "nvidia-smi" not in m.sources["nvidia"]


# --- ROCm, WSL, the rest of the machine --------------------------------------------------------------


def test_rocm_from_tree(root: Path) -> None:
    write(root / "opt/rocm/.info/version", "6.1.2-119\n")
    write(root / "opt/rocm/bin/rocminfo", f"#!/bin/sh\nexec /bin/cat {write(root / 'rocminfo.txt', ROCMINFO)}\n", executable=True)
    m = detect_machine(probe_pythons=False, root=root)
    assert m.rocm is not None and m.rocm.version == "6.1.2"
    assert [(g.name, g.arch, g.memory_bytes) for g in m.rocm.gpus] == [
        ("AMD Instinct MI250X/MI250", "gfx90a", 67092480 * 1024),
        ("AMD GPU (gfx1100)", "gfx1100", 0),
    ]
    assert "rocminfo" in m.sources["rocm"]


def test_no_rocm(root: Path) -> None:
    assert detect_machine(probe_pythons=False, root=root).rocm is None
    write(root / "opt/rocm/.info/version", "6.1.2-119\n")  # installed, but no rocminfo to list GPUs
    m = detect_machine(probe_pythons=False, root=root)
    assert m.rocm is None and "ROCm 6.1.2 installed" in m.sources["rocm"]


@pytest.mark.parametrize(
    ("file", "text", "wsl"),
    [
        ("proc/sys/kernel/osrelease", "5.15.153.1-microsoft-standard-WSL2\n", True),
        ("proc/version", "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0)\n", True),
        ("proc/version", "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n", False),
    ],
)
def test_wsl(root: Path, file: str, text: str, wsl: bool) -> None:
    write(root / file, text)
    m = detect_machine(probe_pythons=False, root=root)
    assert m.wsl is wsl and m.sources["wsl"] == "/" + file


def test_linux_facts_from_tree(root: Path) -> None:
    write(root / "etc/os-release", 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\nID=ubuntu\n')
    write(root / "proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\n")
    m = detect_machine(root / "envs/new/deeper", probe_pythons=False, root=root)
    assert (m.os, m.distro, m.cpu.model) == ("linux", "Ubuntu 22.04.4 LTS", "AMD Ryzen 9 7950X 16-Core Processor")
    assert m.cpu.cores >= 1 and m.memory_bytes > 0 and m.disk_free_bytes and m.disk_free_bytes > 0
    assert m.sources["disk_free_bytes"] == f"psutil.disk_usage({root})"
    assert m.mps is False and m.sources["mps"] == "platform"


def test_never_raises_when_everything_breaks(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    for name in ("probe_nvidia", "probe_rocm", "find_pythons", "_cores", "_memory", "_disk_free"):
        monkeypatch.setattr(wizard.detect, name, boom)
    m = detect_machine(root=root / "missing")  # no /proc/cpuinfo, /etc/os-release, ... there
    assert isinstance(m, Machine) and m.nvidia is None and m.pythons == []
    for fact in ("nvidia", "rocm", "pythons", "cpu.cores", "memory_bytes", "disk_free_bytes", "cpu.model"):
        assert m.sources[fact].startswith("failed:"), fact
    render_machine(m)


# --- interpreters --------------------------------------------------------------------------------------

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


@pytest.fixture(scope="module")
def detected() -> Machine:
    """One full detection of this machine, interpreters included (the slow part, done once)."""
    return detect_machine()


@pytest.mark.skipif(not PYENV.is_dir(), reason="no pyenv interpreters on this machine")
def test_finds_pyenv_interpreters(detected: Machine) -> None:
    pyenv = {p.version: p for p in detected.pythons if p.source == "pyenv"}
    installed = {v.name for v in PYENV.iterdir() if re.fullmatch(r"\d+\.\d+\.\d+", v.name)}
    assert installed and set(pyenv) >= installed
    for version, p in pyenv.items():
        assert is_supported_target(p) == (tuple(map(int, version.split(".")[:2])) >= (3, 9)), version
    text = render_machine(detected)
    for old in [v for v in installed if v.startswith(("2.", "3.8."))]:
        assert any(old in line and "not usable: older than 3.9" in line for line in text.splitlines()), old


def test_python2_and_38_are_listed_not_targets() -> None:
    for version in ("2.7", "3.8"):
        found = sorted(PYENV.glob(f"{version}.*/bin/python")) if PYENV.is_dir() else []
        if not found:
            continue
        info = probe_interpreter(str(found[0]), "pyenv")
        assert info is not None and info.version.startswith(version) and not is_supported_target(info)


def test_conda_uv_and_user_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    fake = "#!/bin/sh\nexit 0\n"
    for prefix in ("miniconda3", "miniconda3/envs/ml", "miniforge3"):
        (home / prefix / "conda-meta").mkdir(parents=True)
        write(home / prefix / "bin/python3", fake, executable=True)
    write(home / ".local/share/uv/python/cpython-3.12.7-linux-x86_64-gnu/bin/python3", fake, executable=True)
    write(home / ".local/bin/python3.13", fake, executable=True)
    write(tmp_path / "active/bin/python", fake, executable=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CONDA_PREFIX", str(tmp_path / "active"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for var in ("PYENV_ROOT", "CONDA_EXE", "UV_PYTHON_INSTALL_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    found = dict(candidate_paths())
    assert found[str(home / "miniconda3/bin/python3")] == "conda"
    assert found[str(home / "miniconda3/envs/ml/bin/python3")] == "conda"
    assert found[str(home / "miniforge3/bin/python3")] == "conda"
    assert found[str(tmp_path / "active/bin/python")] == "conda"
    assert found[str(home / ".local/share/uv/python/cpython-3.12.7-linux-x86_64-gnu/bin/python3")] == "uv"
    assert found[str(home / ".local/bin/python3.13")] == "user"


def test_venv_hint_on_debian(tmp_path: Path) -> None:
    marker = write(tmp_path / "debian_version", "12.5\n")
    system = PythonInfo(path="/usr/bin/python3.11", version="3.11.2", venv_ok=False)
    assert venv_hint(system, marker) == "apt install python3.11-venv"
    assert venv_hint(system, tmp_path / "absent") is None
    assert venv_hint(PythonInfo(path="/opt/py/bin/python3", version="3.11.2", venv_ok=False), marker) is None
    assert venv_hint(PythonInfo(path="/usr/bin/python3.11", version="3.11.2"), marker) is None


# --- machine files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MACHINE_FILES)
def test_machine_files_load(name: str) -> None:
    m = load_machine(asset("machines", f"{name}.json"))
    assert m.sources["*"].startswith("machine file: ")
    assert {p.version[:4] for p in m.pythons} >= {"3.10", "3.11", "3.12", "3.13", "3.14"}
    assert render_machine(m)


def test_no_unlisted_machine_files() -> None:
    assert sorted(p.stem for p in asset("machines").glob("*.json")) == sorted(MACHINE_FILES)


def test_detected_machine_is_a_valid_machine_file(detected: Machine, tmp_path: Path) -> None:
    path = tmp_path / "machine.json"
    path.write_bytes(msgspec.json.encode(detected))
    assert load_machine(path) == detected


# --- Jetson, Intel GPUs, driver strings -----------------------------------------------------------------


def test_jetson_from_nv_tegra_release(fake_nvml, root: Path) -> None:  # noqa: F811
    fake_nvml(SCENARIOS["library-missing"])
    write(root / "etc/nv_tegra_release", "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64\n")
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is not None and m.nvidia.jetson == "R36.4.3" and m.nvidia.driver is None
    assert m.sources["nvidia"] == "/etc/nv_tegra_release"
    assert "Jetson AI Lab" in render_machine(m)


def test_discrete_intel_gpus_from_the_pci_tree(root: Path) -> None:
    pci_device(root, "0000:00:02.0", "0x8086", "0x7d67", "0x030000")  # the CPU's integrated GPU: not for xpu
    pci_device(root, "0000:03:00.0", "0x8086", "0xe20b", "0x030000")  # Arc B580
    pci_device(root, "0000:03:00.1", "0x8086", "0xe2f7", "0x040300")  # its audio function
    pci_device(root, "0000:9a:00.0", "0x8086", "0x0bd5", "0x038000")  # Data Center GPU Max 1550 (display controller)
    m = detect_machine(probe_pythons=False, root=root)
    assert m.intel is not None
    assert [(g.name, g.pci_device) for g in m.intel.gpus] == [
        ("Intel Arc B580", "0xe20b"),
        ("Intel Data Center GPU Max 1550", "0x0bd5"),
    ]
    assert "Intel Arc B580" in render_machine(m)


def test_intel_kernel_drivers_from_the_driver_links(root: Path) -> None:
    pci_device(root, "0000:03:00.0", "0x8086", "0xe20b", "0x030000", driver="xe")
    pci_device(root, "0000:04:00.0", "0x8086", "0x56a0", "0x030000", driver="i915")
    pci_device(root, "0000:05:00.0", "0x8086", "0x56a5", "0x030000")  # on the bus, nothing bound
    m = detect_machine(probe_pythons=False, root=root)
    assert m.intel is not None and m.intel.driver is None  # no xpu-smi on PATH
    assert [(g.pci_bus_id, g.kernel_driver) for g in m.intel.gpus] == [
        ("0000:03:00.0", "xe"),
        ("0000:04:00.0", "i915"),
        ("0000:05:00.0", ""),
    ]
    text = render_machine(m)
    assert "Intel Arc B580 (PCI 0xe20b, kernel driver xe)" in text
    assert "Intel Arc A380 (PCI 0x56a5, kernel driver none)" in text
    assert "no kernel driver bound (Intel Arc A380)" in text


# What xpu-smi prints, shaped after intel/xpumanager's doc/smi_user_guide.md (`discovery -j`) and the
# `discovery -d ID -j` detail that public projects quote (driver_version "I915_23.10.72_PSB_231129.76"):
# illustrative fixtures, not captured from a machine here. The first listed device is not on this bus.
XPU_SMI_LIST = """\
{
    "device_list": [
        {"device_id": 0, "device_name": "Intel(R) Data Center GPU Max 1100", "device_type": "GPU",
         "pci_bdf_address": "0000:29:00.0", "pci_device_id": "0xbda", "vendor_name": "Intel(R) Corporation"},
        {"device_id": 1, "device_name": "Intel(R) Data Center GPU Max 1550", "device_type": "GPU",
         "pci_bdf_address": "0000:9a:00.0", "pci_device_id": "0xbd5", "vendor_name": "Intel(R) Corporation"}
    ]
}
"""
XPU_SMI_DETAIL = """\
{
    "device_id": 1,
    "device_name": "Intel(R) Data Center GPU Max 1550",
    "device_type": "GPU",
    "driver_version": "I915_23.10.72_PSB_231129.76",
    "kernel_version": "5.15.0-122-generic",
    "pci_bdf_address": "0000:9a:00.0"
}
"""


def stand_in_xpu_smi(root: Path, detail: str, pause: str = "") -> Path:
    """An xpu-smi on PATH that answers `discovery -j` and `discovery -d 1 -j` and logs its arguments."""
    listing, answer = write(root / "xpu-list.json", XPU_SMI_LIST), write(root / "xpu-detail.json", detail)
    log = root / "xpu-smi.log"
    script = (
        f'#!/bin/sh\necho "$@" >> {log}\n{pause}\n'
        f'[ "$*" = "discovery -j" ] && exec /bin/cat {listing}\n'
        f'[ "$*" = "discovery -d 1 -j" ] && exec /bin/cat {answer}\nexit 1\n'
    )
    write(root / "bin/xpu-smi", script, executable=True)
    return log


def test_intel_driver_version_from_xpu_smi(root: Path) -> None:
    pci_device(root, "0000:9a:00.0", "0x8086", "0x0bd5", "0x038000", driver="i915")
    log = stand_in_xpu_smi(root, XPU_SMI_DETAIL)
    m = detect_machine(probe_pythons=False, root=root)
    assert m.intel is not None and m.intel.driver == "I915_23.10.72_PSB_231129.76"
    assert m.sources["intel"].endswith("; xpu-smi discovery")
    assert log.read_text().splitlines() == ["discovery -j", "discovery -d 1 -j"]
    assert "driver I915_23.10.72_PSB_231129.76" in render_machine(m)


@pytest.mark.parametrize(
    "detail",
    [
        '{"device_id": 1, "driver_version": "see dmesg: firmware load failed"}',  # not a version: left out
        '{"device_id": 1}',  # older xpu-smi without the field
        "xpu-smi: Level Zero initialization failed",  # not JSON at all
    ],
)
def test_xpu_smi_without_a_usable_driver_version(root: Path, detail: str) -> None:
    pci_device(root, "0000:9a:00.0", "0x8086", "0x0bd5", "0x038000", driver="i915")
    stand_in_xpu_smi(root, detail)
    m = detect_machine(probe_pythons=False, root=root)
    assert m.intel is not None and m.intel.driver is None and len(m.intel.gpus) == 1
    assert "xpu-smi" not in m.sources["intel"]


def test_xpu_smi_is_not_asked_about_gpus_without_a_driver(root: Path) -> None:
    pci_device(root, "0000:9a:00.0", "0x8086", "0x0bd5", "0x038000")
    log = stand_in_xpu_smi(root, XPU_SMI_DETAIL)
    m = detect_machine(probe_pythons=False, root=root)
    assert m.intel is not None and m.intel.driver is None and not log.exists()


def test_a_hanging_xpu_smi_times_out(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wizard.detect.intel, "XPU_SMI_TIMEOUT_S", 0.2)
    pci_device(root, "0000:9a:00.0", "0x8086", "0x0bd5", "0x038000", driver="i915")
    stand_in_xpu_smi(root, XPU_SMI_DETAIL, pause="/bin/sleep 30")
    m = detect_machine(probe_pythons=False, root=root)
    assert m.intel is not None and m.intel.driver is None and m.intel.gpus[0].kernel_driver == "i915"


def test_an_integrated_intel_gpu_alone_is_no_intel_section(root: Path) -> None:
    pci_device(root, "0000:00:02.0", "0x8086", "0x4680", "0x030000")
    assert detect_machine(probe_pythons=False, root=root).intel is None


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("580.65.06", "580.65.06"),
        ("470", "470"),
        ("595.10", "595.10"),
        ("32.0.15.8097", "580.97"),
        ("31.0.15.3623", "536.23"),
        (PROC_VERSION, "550.54.14"),
        ("NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 07:09:29 UTC 2025", "580.65.06"),
        ("31.0.101.5186", None),
        ("12.4", None),
        ("5", None),
        ("latest", None),
        ("", None),
    ],
)
def test_driver_strings(text: str, parsed: str | None) -> None:
    from wizard.drivers import parse_driver

    assert parse_driver(text) == parsed


def test_machine_file_driver_forms(tmp_path: Path) -> None:
    data = msgspec.json.decode(asset("machines", "windows-rtx4070.json").read_bytes())
    data["nvidia"]["driver"] = "32.0.15.8097"
    (tmp_path / "win.json").write_bytes(msgspec.json.encode(data))
    assert load_machine(tmp_path / "win.json").nvidia.driver == "580.97"
    data["nvidia"]["driver"] = "5"
    (tmp_path / "bad.json").write_bytes(msgspec.json.encode(data))
    with pytest.raises(InputError) as err:
        load_machine(tmp_path / "bad.json")
    assert "$.nvidia.driver" in err.value.render() and "'5' is not an NVIDIA driver version" in err.value.render()


def test_proc_driver_line_with_a_garbled_version_gives_no_driver(fake_nvml, root: Path) -> None:  # noqa: F811
    fake_nvml(SCENARIOS["library-missing"])
    write(root / "proc/driver/nvidia/version", "NVRM version: something unexpected\n")
    pci_device(root, "0000:01:00.0", "0x10de", "0x2684", "0x030000")
    m = detect_machine(probe_pythons=False, root=root)
    assert m.nvidia is not None and m.nvidia.driver is None
