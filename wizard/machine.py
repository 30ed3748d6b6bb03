"""The Machine model: what the planner knows about the hardware and the interpreters.

Detection fills it; `--machine FILE` loads it instead (planning for another box, tests, demos);
`detect --json` prints it in the same format.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, cast

import msgspec

from wizard.drivers import parse_driver
from wizard.jsonfile import read_json
from wizard.problems import InputError, Problem, index_path
from wizard.validation import convert


class Cpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    model: str = ""
    cores: int = 1


class NvidiaGpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    memory_bytes: int = 0
    compute_capability: str | None = None  # "8.9"; None when the driver is not loaded
    pci_bus_id: str | None = None


class Nvidia(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    driver: str | None = None  # "550.54.14" (parsed: see wizard.drivers); None: a GPU but no driver loaded
    cuda: str | None = None  # highest CUDA the driver runs, "12.4" (not a toolkit)
    gpus: list[NvidiaGpu] = []
    jetson: str | None = None  # L4T release of a Jetson ("R36.4.3", /etc/nv_tegra_release): integrated GPU


class IntelGpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    pci_device: str = ""  # "0x56a0"
    memory_bytes: int = 0
    pci_bus_id: str | None = None  # "0000:03:00.0"
    # The kernel driver bound to it (/sys/bus/pci/devices/<pci_bus_id>/driver): "xe", "i915"; "": none
    # bound, so nothing can use the GPU; None: not known (a machine file that does not say).
    kernel_driver: str | None = None


class Intel(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Discrete Intel GPUs (Arc, Data Center GPU Max/Flex), served by PyTorch's xpu builds."""

    driver: str | None = None  # the driver version xpu-smi reports ("I915_23.10.72_PSB_231129.76"), where it is installed
    gpus: list[IntelGpu] = []


class RocmGpu(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    arch: str = ""  # "gfx90a"
    memory_bytes: int = 0


class Rocm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    version: str | None = None
    gpus: list[RocmGpu] = []


class PythonInfo(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One interpreter found on the machine."""

    path: str
    version: str  # "3.11.7"
    implementation: str = "cpython"
    free_threaded: bool = False  # a free-threaded build (3.13t, 3.14t): sysconfig Py_GIL_DISABLED
    is_venv: bool = False
    venv_ok: bool = True  # `python -m venv` with ensurepip works
    venv_hint: str | None = None  # what to install when it does not ("apt install python3.11-venv")
    externally_managed: bool = False  # PEP 668 marker present
    bundled_pip: str | None = None  # pip version ensurepip would put in a new venv
    source: str = "PATH"  # where it was found: PATH, pyenv, conda, ...


class Machine(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    os: Literal["linux", "darwin", "windows"]
    arch: str  # "x86_64", "arm64", "aarch64"
    wsl: bool = False
    distro: str | None = None
    cpu: Cpu = msgspec.field(default_factory=Cpu)
    memory_bytes: int = 0
    disk_free_bytes: int | None = None  # at the target path (or its nearest existing parent)
    nvidia: Nvidia | None = None
    rocm: Rocm | None = None
    intel: Intel | None = None
    mps: bool = False  # Apple silicon GPU available to PyTorch
    pythons: list[PythonInfo] = []
    sources: dict[str, str] = {}  # fact -> where it came from ("nvml", "/proc/cpuinfo", "machine file")


_NUMBERS = re.compile(r"^\d+(\.\d+)*$")
_PYTHON_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?([a-z]+\d*)?\+?$")


def value_problems(m: Machine) -> list[Problem]:
    """Values the model's types accept but the planner cannot use (a CUDA version "12.x", a Python
    version "three"), each at its place."""
    out = [
        Problem(index_path("$.pythons", i) + ".version", f"{p.version!r} is not a Python version", 'e.g. "3.12.4"')
        for i, p in enumerate(m.pythons)
        if not _PYTHON_VERSION.match(p.version)
    ]
    if m.nvidia and m.nvidia.cuda is not None and not _NUMBERS.match(m.nvidia.cuda):
        out.append(Problem("$.nvidia.cuda", f"{m.nvidia.cuda!r} is not a CUDA version", 'e.g. "12.4"'))
    for i, g in enumerate(m.nvidia.gpus if m.nvidia else []):
        if g.compute_capability is not None and not _NUMBERS.match(g.compute_capability):
            out.append(
                Problem(
                    index_path("$.nvidia.gpus", i) + ".compute_capability",
                    f"{g.compute_capability!r} is not a compute capability",
                    'e.g. "8.9"',
                )
            )
    return out


def load_machine(path: Path) -> Machine:
    """A machine file → Machine; every problem is reported at once (exit 2). Driver versions are
    parsed to the form the planner compares (a Windows or /proc form decoded), or rejected."""
    machine = convert(read_json(path, "machine file"), Machine, str(path))
    problems = value_problems(machine)
    if machine.nvidia and machine.nvidia.driver is not None:
        parsed = parse_driver(machine.nvidia.driver)
        if parsed is None:
            problems.append(
                Problem(
                    "$.nvidia.driver",
                    f"{machine.nvidia.driver!r} is not an NVIDIA driver version",
                    "write it as nvidia-smi shows it, e.g. '580.65.06'",
                )
            )
        else:
            machine.nvidia.driver = parsed
    if problems:
        raise InputError(str(path), problems)
    return machine


def to_json_dict(m: Machine) -> dict:
    return cast("dict", msgspec.to_builtins(m))
