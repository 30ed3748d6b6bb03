"""Which build of each framework runs on this machine: the seam the hardware-aware choice plugs into.

`decide` is the only entry point the planner uses. Each Decision names the variant, the pip
requirements, the index URL where one is needed, and one sentence of why.
"""

from __future__ import annotations

from wizard.answers import Accelerator
from wizard.catalog import Catalog
from wizard.machine import Machine
from wizard.plan import Decision
from wizard.problems import RequestError

PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _pytorch(machine: Machine, accelerator: Accelerator, custom_index: bool) -> Decision:
    pkgs = ("torch",)
    if accelerator in ("cuda", "rocm"):
        raise RequestError(f"accelerator '{accelerator}' was asked for, but no {accelerator.upper()} build is chosen on this machine",
                           "set accelerator to 'auto' or 'cpu'")
    if machine.os == "darwin":
        if machine.mps and accelerator != "cpu":
            return Decision("pytorch", "mps", "macOS on Apple silicon: PyPI's build runs on the GPU through MPS.", pkgs)
        return Decision("pytorch", "cpu", "macOS: PyPI's torch is the CPU build.", pkgs)
    if accelerator == "mps":
        raise RequestError("accelerator 'mps' needs macOS on Apple silicon", "set accelerator to 'auto' or 'cpu'")
    if machine.os == "windows":
        return Decision("pytorch", "cpu", "Windows without a CUDA build: PyPI's torch is the CPU build.", pkgs)
    if custom_index:
        return Decision("pytorch", "cpu", "CPU build, from the index you configured (it must serve the CPU wheel: "
                        "PyPI's Linux torch is the multi-gigabyte CUDA build).", pkgs)
    return Decision("pytorch", "cpu", "No GPU to use: the CPU build from PyTorch's CPU index, not the multi-gigabyte "
                    "CUDA build that plain PyPI serves on Linux.", pkgs, PYTORCH_CPU_INDEX)


def decide(frameworks: list[str], machine: Machine, accelerator: Accelerator, catalog: Catalog,
           custom_index: bool) -> list[Decision]:
    """One Decision per framework; RequestError when a requested accelerator cannot be served."""
    out: list[Decision] = []
    for fid in frameworks:
        fw = catalog.frameworks[fid]
        if fw.builds == "pytorch":
            out.append(_pytorch(machine, accelerator, custom_index))
        elif fw.builds in ("tensorflow", "jax"):
            out.append(Decision(fid, "cpu", f"{fw.title} CPU build from PyPI.", tuple(fw.packages)))
        else:
            out.append(Decision(fid, "default", "From the package index; no hardware-specific build.", tuple(fw.packages)))
    return out
