"""ROCm detection: the installed ROCm version and the GPU agents `rocminfo` reports.

PyTorch's ROCm wheels are built per ROCm release and per gfx architecture, so those are the two facts
the planner needs.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from wizard.machine import Rocm, RocmGpu
from wizard.pythons import run_probe

ROCMINFO_TIMEOUT_S = 10.0
_AGENT = re.compile(r"^Agent \d+\s*$", re.M)
_GLOBAL_POOL_KB = re.compile(r"Segment:\s+GLOBAL[^\n]*\n\s*Size:\s+(\d+)\S*\s*KB")


def rocm_dir(root: Path = Path("/")) -> Path:
    """$ROCM_PATH when set (it is absolute, so `root` does not apply), else <root>/opt/rocm."""
    env = os.environ.get("ROCM_PATH")
    return Path(env) if env else root / "opt/rocm"


def probe_rocm(root: Path = Path("/")) -> tuple[Rocm | None, str]:
    """ROCm version and GPUs, and where they came from; None when ROCm is absent or sees no GPU."""
    base = rocm_dir(root)
    version = rocm_version(base)
    exe = base / "bin/rocminfo"
    rocminfo = str(exe) if exe.is_file() else shutil.which("rocminfo")
    if version is None and rocminfo is None:
        return None, f"no {base}/.info/version, no rocminfo"
    gpus = _rocminfo_gpus(rocminfo) if rocminfo else []
    if not gpus:  # like `nvidia`: null unless a GPU is seen, so the planner has one test for "has a GPU"
        why = "rocminfo lists no GPU agent (is the user in the render group?)" if rocminfo else "no rocminfo"
        return None, f"ROCm {version or '(version unknown)'} installed; {why}"
    where = [f"{base}/.info/version"] if version else []
    return Rocm(version=version, gpus=gpus), "; ".join([*where, "rocminfo"])


def rocm_version(base: Path) -> str | None:
    """The release from .info/version: "6.1.2-119" → "6.1.2" (the build number does not pick a wheel)."""
    try:
        text = (base / ".info/version").read_text().strip()
    except OSError:
        return None
    return text.split("-")[0] or None


def _rocminfo_gpus(exe: str) -> list[RocmGpu]:
    proc = run_probe([exe], ROCMINFO_TIMEOUT_S)
    return parse_rocminfo(proc.stdout) if proc is not None and proc.returncode == 0 else []


def parse_rocminfo(out: str) -> list[RocmGpu]:
    """GPU agents: the agent's first "Name:" is its gfx arch (later ones belong to its ISAs)."""
    gpus = []
    for block in _AGENT.split(out)[1:]:
        fields: dict[str, str] = {}
        for line in block.splitlines():
            key, sep, value = line.strip().partition(":")
            if sep and key in ("Name", "Marketing Name", "Device Type"):
                fields.setdefault(key, value.strip())
        if fields.get("Device Type") != "GPU":
            continue
        arch = fields.get("Name", "")
        pool = _GLOBAL_POOL_KB.search(block)
        gpus.append(
            RocmGpu(
                name=fields.get("Marketing Name") or f"AMD GPU ({arch})",
                arch=arch,
                memory_bytes=int(pool.group(1)) * 1024 if pool else 0,
            )
        )
    return gpus
