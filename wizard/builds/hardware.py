"""Facts about the hardware: what a driver, a GPU's compute capability and the platform can run.

Pure functions of the Machine and the catalog's tables; the choice (choice.py) and each family's
tables (pytorch.py, extras.py) read them, and so do the diagnoses and the hardware screen.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from wizard.catalog import Catalog
from wizard.machine import IntelGpu, Machine, NvidiaGpu, RocmGpu


def numbers(text: str) -> tuple[int, ...]:
    """'525.60.13' → (525, 60, 13); '8.9' → (8, 9): versions compared as numbers."""
    return tuple(int(n) for n in re.findall(r"\d+", text))


def min_driver(machine: Machine, catalog: Catalog, cuda_major: int) -> str | None:
    """The oldest NVIDIA driver that runs CUDA builds of this major on this machine (WSL2 runs the
    Windows driver); None for a CUDA major the catalog does not know."""
    row = next((r for r in catalog.builds.cuda_drivers if r.cuda == cuda_major), None)
    if row is None:
        return None
    return row.windows if machine.os == "windows" or machine.wsl else row.linux


def family(accelerator: str) -> str:
    """The kind of an accelerator answer: 'cu130' → 'cuda', 'rocm7.2' → 'rocm'; auto/cpu/cuda/rocm/mps/xpu as they are."""
    if accelerator.startswith("cu") and accelerator != "cuda":
        return "cuda"
    if accelerator.startswith("rocm") and accelerator != "rocm":
        return "rocm"
    return accelerator


def macos_version(machine: Machine) -> tuple[int, ...] | None:
    """The macOS release from the machine's distro ('macOS 13.6.1' → (13, 6, 1)); None when unknown."""
    d = machine.distro or ""
    return numbers(d) or None if machine.os == "darwin" and d.lower().startswith("macos") else None


def gfx_text(arch: str, builds: dict[str, list[str]]) -> str:
    """Which ROCm builds carry code for this gfx target, for messages."""
    have = [v for v, gfx in builds.items() if arch in gfx]
    return f"rocm{', rocm'.join(have)}" if have else "none"


def platform_key(machine: Machine) -> str:
    """The catalog's platform key: 'linux-x86_64', 'wsl-x86_64', 'windows-x86_64', 'darwin-arm64', ..."""
    arch = machine.arch.lower()
    arch = "x86_64" if arch in ("x86_64", "amd64", "x64") else "arm64" if arch in ("arm64", "aarch64") else arch
    return f"{'wsl' if machine.wsl else machine.os}-{arch}"


def gpus_text(gpus: list[NvidiaGpu], capability: bool = True) -> str:
    """'2× RTX 3090 (8.6), RTX 4090 (8.9)'; without capability: '2× RTX 3090, RTX 4090'."""
    counts = Counter((g.name, g.compute_capability or "capability unknown") for g in gpus)
    return ", ".join(
        f"{f'{n}× ' if n > 1 else ''}{name}" + (f" ({cc})" if capability else "") for (name, cc), n in counts.items()
    )


def intel_text(gpus: list[IntelGpu]) -> str:
    """'Intel Arc B580 (kernel driver xe)': each GPU with the kernel driver detection found bound to it."""
    return ", ".join(g.name + (f" (kernel driver {g.kernel_driver})" if g.kernel_driver else "") for g in gpus)


def cc_key(text: str) -> tuple[int, int]:
    """'8.9' → (8, 9); a bare '9' reads as 9.0."""
    major, minor = (*numbers(text), 0, 0)[:2]
    return major, minor


def covers(archs: list[str], cc: str) -> bool:
    """A build covers X.Z when it holds X.Y with Y ≤ Z: CUDA code runs on later minors of its major only."""
    want = cc_key(cc)
    return any(have[0] == want[0] and have[1] <= want[1] for have in map(cc_key, archs))


@dataclass(frozen=True)
class Here:
    """This machine and request, as the choice reads them."""

    machine: Machine
    accelerator: str  # an Accelerator answer: auto, cpu, cuda, rocm, mps, xpu or a variant (cu130)
    catalog: Catalog
    custom_index: bool

    @property
    def platform(self) -> str:
        return platform_key(self.machine)

    @property
    def nv_gpus(self) -> list[NvidiaGpu]:
        return list(self.machine.nvidia.gpus) if self.machine.nvidia else []

    @property
    def driver(self) -> str | None:
        return self.machine.nvidia.driver if self.machine.nvidia else None

    @property
    def family(self) -> str:
        return family(self.accelerator)

    @property
    def forced_tag(self) -> str | None:
        """The index variant the answers name ('cu130', 'rocm7.2', 'xpu'), like uv's --torch-backend."""
        a = self.accelerator
        return a if a == "xpu" or family(a) != a else None

    @property
    def amd_gpus(self) -> list[RocmGpu]:
        return list(self.machine.rocm.gpus) if self.machine.rocm else []

    @property
    def intel_gpus(self) -> list[IntelGpu]:
        return list(self.machine.intel.gpus) if self.machine.intel else []

    @property
    def intel_unbound(self) -> list[IntelGpu]:
        """The Intel GPUs detection found with no kernel driver bound: no runtime can use them (None: not known)."""
        return [g for g in self.intel_gpus if g.kernel_driver == ""]

    @property
    def jetson(self) -> str | None:
        return self.machine.nvidia.jetson if self.machine.nvidia else None

    @property
    def known_ccs(self) -> list[str]:
        return [g.compute_capability for g in self.nv_gpus if g.compute_capability]

    def driver_min(self, cuda_major: int) -> str:
        """The oldest driver that runs CUDA builds of this major here (WSL2 runs the Windows driver)."""
        need = min_driver(self.machine, self.catalog, cuda_major)
        if need is None:
            raise LookupError(f"the catalog's cuda_drivers has no row for CUDA {cuda_major}")
        return need

    def driver_runs(self, cuda_major: int) -> bool:
        return self.driver is not None and numbers(self.driver) >= numbers(self.driver_min(cuda_major))

    def covers_all(self, archs: list[str]) -> bool:
        return all(covers(archs, cc) for cc in self.known_ccs)

    def unknown_cc_note(self) -> str:
        unknown = [g for g in self.nv_gpus if not g.compute_capability]
        return f" (compute capability of {gpus_text(unknown)} unknown: not checked)" if unknown else ""
