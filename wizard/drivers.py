"""NVIDIA driver version strings in the forms people and tools write them, parsed to one form.

The planner compares drivers as numbers ("580.65.06" ≥ "580"), so a string in another form would be
misread as a tiny number. Three forms reach the wizard: nvidia-smi's own ("580.65.06"), the raw line of
/proc/driver/nvidia/version, and the Windows device-manager form ("32.0.15.8097", which is 580.97).
"""

from __future__ import annotations

import re

_PLAIN = re.compile(r"\d{3}(?:\.\d{1,3}){1,2}|\d{3}")
_PROC_LINE = re.compile(r"Kernel Module(?: for \w+)?\s+(\d{3}\.\d+(?:\.\d+)?)\s")
# Windows: <2 digits>.0.<2 digits>.<4 digits>; the last five digits are the driver (15.8097 → 580.97).
# Intel and AMD drivers use other shapes (31.0.101.5186) and are not decoded.
_WINDOWS = re.compile(r"\d{2}\.0\.(\d{2})\.(\d{4})")


def parse_driver(text: str) -> str | None:
    """'580.65.06' → itself; '32.0.15.8097' → '580.97'; a /proc line → its version; anything else → None."""
    text = text.strip()
    if _PLAIN.fullmatch(text):
        return text
    if m := _WINDOWS.fullmatch(text):
        digits = m.group(1)[-1] + m.group(2)
        return f"{digits[:3]}.{digits[3:]}"
    if m := _PROC_LINE.search(text + " "):
        return m.group(1)
    return None
