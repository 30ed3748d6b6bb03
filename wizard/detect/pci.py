"""The PCI bus as Linux shows it in sysfs: the display-class devices of one vendor.

NVIDIA and Intel detection both read it (NVIDIA when NVML cannot answer, Intel always), so the walk
over /sys/bus/pci/devices is written once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PciDisplay:
    """One display-class device (0x03xxxx: VGA, 3D and other display controllers, not audio functions)."""

    address: str  # "0000:03:00.0"
    device: str  # PCI device id, "0xe20b"
    driver: str | None  # the kernel driver bound to it ("xe", "i915", "nvidia"); None: none bound


def display_devices(root: Path, vendor: str) -> list[PciDisplay] | None:
    """This vendor's display devices in bus order; None when there is no /sys/bus/pci to read."""
    try:
        devices = sorted((root / "sys/bus/pci/devices").iterdir())
    except OSError:
        return None
    found = []
    for d in devices:
        try:
            if (d / "vendor").read_text().strip().lower() != vendor:
                continue
            if not (d / "class").read_text().strip().lower().startswith("0x03"):
                continue
            device = (d / "device").read_text().strip().lower()
        except OSError:
            continue
        found.append(PciDisplay(d.name, device, bound_driver(d)))
    return found


def bound_driver(device: Path) -> str | None:
    """The kernel driver bound to a device: sysfs links `driver` to /sys/bus/pci/drivers/<name> while
    one is bound, and has no such link otherwise."""
    try:
        return os.path.basename(os.readlink(device / "driver")) or None
    except OSError:
        return None
