"""NVIDIA detection: NVML first; /proc, nvidia-smi and the PCI bus when NVML cannot answer.

The planner needs three facts per machine: the driver version (which CUDA wheels run), the highest
CUDA the driver supports, and each GPU's compute capability (which wheels carry its kernels). NVML
gives all three without a subprocess. When it fails we still want to tell "no NVIDIA GPU" apart from
"an NVIDIA GPU whose driver is not loaded", because the advice differs.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

from wizard.detect.pci import display_devices
from wizard.drivers import parse_driver
from wizard.machine import Nvidia, NvidiaGpu
from wizard.pythons import run_probe

SMI_TIMEOUT_S = 5.0
NVIDIA_PCI_VENDOR = "0x10de"
_SMI_FIELDS = "name,memory.total,compute_cap,driver_version,pci.bus_id"

# PCI device id -> NVML's name, for GPUs found on the bus without a driver to name them.
_PCI_NAMES = {
    "0x1b06": "NVIDIA GeForce GTX 1080 Ti",
    "0x1db1": "Tesla V100-SXM2-16GB",
    "0x1db4": "Tesla V100-PCIE-16GB",
    "0x1e04": "NVIDIA GeForce RTX 2080 Ti",
    "0x1eb8": "Tesla T4",
    "0x20b0": "NVIDIA A100-SXM4-40GB",
    "0x20b2": "NVIDIA A100-SXM4-80GB",
    "0x20b5": "NVIDIA A100 80GB PCIe",
    "0x20f1": "NVIDIA A100-PCIE-40GB",
    "0x2204": "NVIDIA GeForce RTX 3090",
    "0x2206": "NVIDIA GeForce RTX 3080",
    "0x2208": "NVIDIA GeForce RTX 3080 Ti",
    "0x2230": "NVIDIA RTX A6000",
    "0x2330": "NVIDIA H100 80GB HBM3",
    "0x2331": "NVIDIA H100 PCIe",
    "0x2335": "NVIDIA H200",
    "0x2684": "NVIDIA GeForce RTX 4090",
    "0x2704": "NVIDIA GeForce RTX 4080",
    "0x2786": "NVIDIA GeForce RTX 4070",
    "0x26b1": "NVIDIA RTX 6000 Ada Generation",
    "0x26b5": "NVIDIA L40",
    "0x26b9": "NVIDIA L40S",
    "0x27b8": "NVIDIA L4",
    "0x2b85": "NVIDIA GeForce RTX 5090",
}


def cuda_version(v: int) -> str:
    """NVML's CUDA int → "12.4" (12040 → 12.4)."""
    return f"{v // 1000}.{(v % 1000) // 10}"


def probe_nvidia(root: Path = Path("/")) -> tuple[Nvidia | None, str]:
    """What the machine has, and where that came from. `root` lets tests supply a fake /proc and /sys."""
    jetson = jetson_release(root)
    if jetson:  # an integrated GPU: NVML and the PCI bus do not show it the usual way
        return Nvidia(driver=None, gpus=[NvidiaGpu(name=f"NVIDIA Jetson ({jetson})")], jetson=jetson), "/etc/nv_tegra_release"
    found = _from_nvml()
    if isinstance(found, Nvidia):
        if found.gpus:
            return found, "nvml"
        return None, f"nvml: driver {found.driver} loaded but no GPU visible"
    return _fallback(root, found)


def _from_nvml() -> Nvidia | str:
    """NVML's answer, or why it gave none. pynvml is imported here so machines without it pay nothing."""
    try:
        import pynvml
    except ImportError:
        return "nvml: nvidia-ml-py not installed"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as e:
        return f"nvml: {e}"
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        try:
            cuda = pynvml.nvmlSystemGetCudaDriverVersion_v2()
        except pynvml.NVMLError:
            cuda = pynvml.nvmlSystemGetCudaDriverVersion()  # v2 fails when libcuda is missing
        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(h)
            gpus.append(
                NvidiaGpu(
                    name=_text(pynvml.nvmlDeviceGetName(h)),
                    memory_bytes=int(pynvml.nvmlDeviceGetMemoryInfo(h).total),
                    compute_capability=f"{major}.{minor}",
                    pci_bus_id=_text(pynvml.nvmlDeviceGetPciInfo(h).busId),
                )
            )
        return Nvidia(driver=parse_driver(_text(driver)), cuda=cuda_version(cuda), gpus=gpus)
    except pynvml.NVMLError as e:
        return f"nvml: {e}"
    finally:
        with contextlib.suppress(pynvml.NVMLError):
            pynvml.nvmlShutdown()


def _text(v: str | bytes) -> str:
    return v.decode(errors="replace") if isinstance(v, bytes) else v


def _fallback(root: Path, why: str) -> tuple[Nvidia | None, str]:
    """NVML failed: a loaded kernel module names the driver; the PCI bus shows GPUs without one."""
    driver = proc_driver_version(root)
    on_bus = pci_gpus(root)
    if driver:
        smi = nvidia_smi()
        if smi is not None and smi.gpus:
            return smi, f"{why}; nvidia-smi"
        if on_bus:
            return Nvidia(driver=driver, gpus=on_bus), f"{why}; /proc/driver/nvidia/version; /sys/bus/pci"
        return None, f"{why}; driver {driver} loaded but no GPU visible"
    if on_bus:
        return Nvidia(driver=None, gpus=on_bus), f"{why}; /sys/bus/pci (GPU present, no driver loaded)"
    return None, f"{why}; no NVIDIA display device on /sys/bus/pci"


def jetson_release(root: Path = Path("/")) -> str | None:
    """A Jetson's L4T release from /etc/nv_tegra_release: '# R36 (release), REVISION: 4.3, ...' → 'R36.4.3'."""
    try:
        head = (root / "etc/nv_tegra_release").read_text(errors="replace")[:200]
    except OSError:
        return None
    m = re.search(r"R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)", head)
    return f"R{m.group(1)}.{m.group(2).rstrip('.')}" if m else "L4T (release unknown)"


def proc_driver_version(root: Path = Path("/")) -> str | None:
    """The loaded kernel module's version from /proc/driver/nvidia/version (absent on WSL2)."""
    try:
        return parse_driver((root / "proc/driver/nvidia/version").read_text(errors="replace").splitlines()[0])
    except (OSError, IndexError):
        return None


def pci_gpus(root: Path = Path("/")) -> list[NvidiaGpu]:
    """NVIDIA display-class devices on the PCI bus, named from the device id where it is known."""
    return [
        NvidiaGpu(name=_PCI_NAMES.get(d.device, f"NVIDIA GPU (PCI {d.device})"), pci_bus_id=d.address)
        for d in display_devices(root, NVIDIA_PCI_VENDOR) or []
    ]


def nvidia_smi() -> Nvidia | None:
    """GPUs from nvidia-smi's CSV query; older tools lack compute_cap, so retry without it."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    for fields in (_SMI_FIELDS, _SMI_FIELDS.replace("compute_cap,", "")):
        proc = run_probe([exe, f"--query-gpu={fields}", "--format=csv,noheader,nounits"], SMI_TIMEOUT_S)
        if proc is None:
            return None
        if proc.returncode == 0:
            return _parse_smi(proc.stdout, has_cc="compute_cap" in fields)
    return None


def _parse_smi(out: str, has_cc: bool) -> Nvidia | None:
    driver = None
    gpus = []
    for line in out.splitlines():
        cols = [c.strip() for c in line.split(",")]
        if len(cols) != (5 if has_cc else 4):
            continue
        name, mem = cols[0], cols[1]
        cc = cols[2] if has_cc and re.fullmatch(r"\d+\.\d+", cols[2]) else None
        driver, bus = parse_driver(cols[-2]), cols[-1]
        gpus.append(
            NvidiaGpu(
                name=name, memory_bytes=int(mem) * 2**20 if mem.isdigit() else 0, compute_capability=cc, pci_bus_id=bus or None
            )
        )
    return Nvidia(driver=driver, gpus=gpus) if gpus else None
