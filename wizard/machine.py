"""The Machine model: what the planner knows about the hardware and the interpreters.

Detection fills it; `--machine FILE` loads it instead (planning for another box, tests, demos);
`detect --json` prints it in the same format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

from wizard.drivers import parse_driver
from wizard.jsonfile import read_json
from wizard.problems import InputError, Problem
from wizard.validation import convert


class Cpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    model: str = ""
    cores: int = 1


class NvidiaGpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    memory_bytes: int = 0
    compute_capability: str | None = None   # "8.9"; None when the driver is not loaded
    pci_bus_id: str | None = None


class Nvidia(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    driver: str | None = None                # "550.54.14" (parsed: see wizard.drivers); None: a GPU but no driver loaded
    cuda: str | None = None                  # highest CUDA the driver runs, "12.4" (not a toolkit)
    gpus: list[NvidiaGpu] = []
    jetson: str | None = None                # L4T release of a Jetson ("R36.4.3", /etc/nv_tegra_release): integrated GPU


class IntelGpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    pci_device: str = ""                     # "0x56a0"
    memory_bytes: int = 0


class Intel(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Discrete Intel GPUs (Arc, Data Center GPU Max/Flex), served by PyTorch's xpu builds."""

    driver: str | None = None                # level-zero / xpu-smi driver version where known
    gpus: list[IntelGpu] = []


class RocmGpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    arch: str = ""                           # "gfx90a"
    memory_bytes: int = 0


class Rocm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    version: str | None = None
    gpus: list[RocmGpu] = []


class PythonInfo(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One interpreter found on the machine."""

    path: str
    version: str                             # "3.11.7"
    implementation: str = "cpython"
    free_threaded: bool = False              # a free-threaded build (3.13t, 3.14t): sysconfig Py_GIL_DISABLED
    is_venv: bool = False
    venv_ok: bool = True                     # `python -m venv` with ensurepip works
    venv_hint: str | None = None             # what to install when it does not ("apt install python3.11-venv")
    externally_managed: bool = False         # PEP 668 marker present
    bundled_pip: str | None = None           # pip version ensurepip would put in a new venv
    source: str = "PATH"                     # where it was found: PATH, pyenv, conda, ...


class Machine(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    os: Literal["linux", "darwin", "windows"]
    arch: str                                # "x86_64", "arm64", "aarch64"
    wsl: bool = False
    distro: str | None = None
    cpu: Cpu = msgspec.field(default_factory=Cpu)
    memory_bytes: int = 0
    disk_free_bytes: int | None = None       # at the target path (or its nearest existing parent)
    nvidia: Nvidia | None = None
    rocm: Rocm | None = None
    intel: Intel | None = None
    mps: bool = False                        # Apple silicon GPU available to PyTorch
    pythons: list[PythonInfo] = []
    sources: dict[str, str] = {}             # fact -> where it came from ("nvml", "/proc/cpuinfo", "machine file")


def load_machine(path: Path) -> Machine:
    """A machine file → Machine; every problem is reported at once (exit 2). Driver versions are
    parsed to the form the planner compares (a Windows or /proc form decoded), or rejected."""
    m = convert(read_json(path, "machine file"), Machine, str(path))
    if m.nvidia and m.nvidia.driver is not None:
        parsed = parse_driver(m.nvidia.driver)
        if parsed is None:
            raise InputError(str(path), [Problem("$.nvidia.driver", f"{m.nvidia.driver!r} is not an NVIDIA driver version",
                                                 "write it as nvidia-smi shows it, e.g. '580.65.06'")])
        m.nvidia.driver = parsed
    return m


def to_json_dict(m: Machine) -> dict:
    return msgspec.to_builtins(m)
