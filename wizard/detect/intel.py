"""Intel GPU detection: discrete display-class devices of PCI vendor 0x8086 on the PCI bus.

PyTorch's xpu builds serve Intel's discrete GPUs (Arc, Data Center GPU Max and Flex). The integrated
GPU of an Intel CPU sits at PCI slot 00:02.0 and is left out, so a laptop is not mistaken for an Arc box.
Each GPU's bound kernel driver comes from sysfs (a GPU without one cannot be used by any runtime);
the driver version from `xpu-smi` where Intel's XPU Manager is installed (mostly data-center hosts).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from wizard.detect.pci import display_devices
from wizard.machine import Intel, IntelGpu
from wizard.pythons import run_probe

INTEL_PCI_VENDOR = "0x8086"
INTEGRATED_SLOT = "00:02.0"
XPU_SMI_TIMEOUT_S = 5.0
_VERSION_TEXT = re.compile(r"^[\w.+-]{1,80}$")  # what is kept of xpu-smi's driver_version ("I915_23.10.72_PSB_231129.76")

# PCI device id -> name, for the discrete GPUs people run PyTorch on.
_NAMES = {
    "0x56a0": "Intel Arc A770",
    "0x56a1": "Intel Arc A750",
    "0x56a5": "Intel Arc A380",
    "0xe20b": "Intel Arc B580",
    "0xe20c": "Intel Arc B570",
    "0x0bd5": "Intel Data Center GPU Max 1550",
    "0x0bda": "Intel Data Center GPU Max 1100",
    "0x56c0": "Intel Data Center GPU Flex 170",
    "0x56c1": "Intel Data Center GPU Flex 140",
}


def probe_intel(root: Path = Path("/")) -> tuple[Intel | None, str]:
    """Discrete Intel GPUs on the PCI bus, and where that came from; None when there are none."""
    devices = display_devices(root, INTEL_PCI_VENDOR)
    if devices is None:
        return None, "no /sys/bus/pci"
    gpus = [
        IntelGpu(
            name=_NAMES.get(d.device, f"Intel GPU (PCI {d.device})"),
            pci_device=d.device,
            pci_bus_id=d.address,
            kernel_driver=d.driver or "",
        )
        for d in devices
        if not (d.address.endswith(INTEGRATED_SLOT) and d.device not in _NAMES)
    ]
    if not gpus:
        return None, "no discrete Intel display device on /sys/bus/pci"
    source = "/sys/bus/pci (vendor 0x8086, display class; bound kernel driver)"
    driver = xpu_smi_driver([g.pci_bus_id for g in gpus if g.pci_bus_id and g.kernel_driver])
    return Intel(driver=driver, gpus=gpus), source + ("; xpu-smi discovery" if driver else "")


def xpu_smi_driver(addresses: list[str]) -> str | None:
    """The driver version xpu-smi reports for the first of these GPUs it lists; None without xpu-smi or
    an answer. Its device list has no driver version, so the matching device is asked for its details."""
    exe = shutil.which("xpu-smi")
    if exe is None or not addresses:
        return None
    listed = run_probe([exe, "discovery", "-j"], XPU_SMI_TIMEOUT_S)
    device = listed_device(listed.stdout, addresses) if listed and listed.returncode == 0 else None
    if device is None:
        return None
    detail = run_probe([exe, "discovery", "-d", device, "-j"], XPU_SMI_TIMEOUT_S)
    return driver_version(detail.stdout) if detail and detail.returncode == 0 else None


def listed_device(out: str, addresses: list[str]) -> str | None:
    """xpu-smi's device id for the first GPU of `discovery -j` at one of these PCI addresses."""
    data = _json_object(out)
    entries = data.get("device_list") if data else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        device_id, bdf = entry.get("device_id"), str(entry.get("pci_bdf_address", "")).lower()
        if isinstance(device_id, int) and bdf in addresses:
            return str(device_id)
    return None


def driver_version(out: str) -> str | None:
    """`driver_version` from `discovery -d ID -j`, kept only when it reads as a version (no stray text)."""
    data = _json_object(out)
    version = str(data.get("driver_version", "")).strip() if data else ""
    return version if _VERSION_TEXT.match(version) else None


def _json_object(out: str) -> dict[str, object] | None:
    try:
        data = json.loads(out)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
