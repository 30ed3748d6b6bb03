"""Intel GPU detection: discrete display-class devices of PCI vendor 0x8086 on the PCI bus.

PyTorch's xpu builds serve Intel's discrete GPUs (Arc, Data Center GPU Max and Flex). The integrated
GPU of an Intel CPU sits at PCI slot 00:02.0 and is left out, so a laptop is not mistaken for an Arc box.
"""

from __future__ import annotations

from pathlib import Path

from wizard.detect.pci import display_devices
from wizard.machine import Intel, IntelGpu

INTEL_PCI_VENDOR = "0x8086"
INTEGRATED_SLOT = "00:02.0"

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
        IntelGpu(name=_NAMES.get(d.device, f"Intel GPU (PCI {d.device})"), pci_device=d.device)
        for d in devices
        if not (d.address.endswith(INTEGRATED_SLOT) and d.device not in _NAMES)
    ]
    if not gpus:
        return None, "no discrete Intel display device on /sys/bus/pci"
    return Intel(gpus=gpus), "/sys/bus/pci (vendor 0x8086, display class)"
