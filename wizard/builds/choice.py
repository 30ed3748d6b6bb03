"""The choice: ranked candidates per framework, the Python that serves them, and why a GPU is not used.

Each family module (pytorch.py, extras.py) ranks its builds best first; `BuildOptions` lets the
planner pick the Python from those ranks (`fits`, `gpu_count`) and `pick` takes each framework's best
build for that Python, so an older release serves an older Python.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from wizard.builds.hardware import Here, gpus_text
from wizard.machine import IntelGpu, NvidiaGpu
from wizard.plan import Decision
from wizard.problems import RequestError

ACCELERATOR_HINT = "set accelerator to 'auto' or 'cpu'"
ACCEL_NAMES = {"cuda": "CUDA", "rocm": "ROCm", "mps": "MPS", "xpu": "XPU"}


@dataclass(frozen=True)
class Candidate:
    """One build that runs here: the Decision it becomes, a label for messages, whether it uses a GPU."""

    decision: Decision
    label: str
    gpu: bool
    free_threaded: str | None = None  # specifier of the free-threaded minors with wheels; "": none; None: not tracked

    def supports(self, python: str) -> bool:
        """Whether this build has wheels for a Python given as '3.14.0' or, free-threaded, '3.14.0t'."""
        version = Version(python.rstrip("t"))
        spec = self.decision.python
        if spec and not SpecifierSet(spec).contains(version, prereleases=True):
            return False
        if not python.endswith("t") or self.free_threaded is None:
            return True
        return bool(self.free_threaded) and SpecifierSet(self.free_threaded).contains(version, prereleases=True)


def python_span(spec: str, known: tuple[str, ...]) -> str:
    """'>=3.10,<3.14' → '3.10–3.13', over the Pythons the catalog knows."""
    ok = [v for v in known if not spec or SpecifierSet(spec).contains(Version(v), prereleases=True)]
    if not ok:
        return "no Python the catalog knows"
    return ok[0] if len(ok) == 1 else f"{ok[0]}–{ok[-1]}"


def minor(python: str) -> str:
    """'3.14.0' → '3.14'; a free-threaded '3.14.0t' → '3.14t'."""
    return ".".join(python.rstrip("t").split(".")[:2]) + ("t" if python.endswith("t") else "")


@dataclass(frozen=True)
class BuildOptions:
    """Every framework's builds that run on this machine, best first, for the Python choice."""

    ranked: dict[str, tuple[Candidate, ...]]
    titles: dict[str, str]
    pythons: tuple[str, ...]  # the catalog's known Python minors, oldest first

    def _first(self, fid: str, python: str) -> Candidate | None:
        return next((c for c in self.ranked[fid] if c.supports(python)), None)

    def fits(self, python: str) -> bool:
        """Whether every framework has a build for this Python."""
        return all(self._first(fid, python) for fid in self.ranked)

    def gpu_count(self, python: str) -> int:
        """How many frameworks use a GPU with this Python: the planner prefers the Python that maximises it."""
        return sum(1 for fid in self.ranked if (c := self._first(fid, python)) and c.gpu)

    def unsupported(self, python: str) -> list[str]:
        """Titles of the frameworks without a build for this Python."""
        return [self.titles[fid] for fid in self.ranked if self._first(fid, python) is None]

    def works_with(self) -> list[str]:
        """The known Python minors every framework has a build for."""
        return [v for v in self.pythons if self.fits(v)]

    def span(self, fid: str) -> str:
        """The Pythons any build of this framework supports, for messages."""
        return ", ".join(sorted({python_span(c.decision.python, self.pythons) for c in self.ranked[fid]}))

    def pick(self, python: str | None) -> list[Decision]:
        """Each framework's best build for this Python (None: the best build regardless of Python)."""
        out: list[Decision] = []
        for fid, ranked in self.ranked.items():
            chosen = ranked[0] if python is None else self._first(fid, python)
            if chosen is None:
                raise RequestError(
                    f"{self.titles[fid]} has no build that runs here for Python {minor(python or '')}",
                    f"its builds that run here support Python {self.span(fid)}",
                )
            best, decision = ranked[0], chosen.decision
            if chosen is not best and python is not None:
                gain = " would use the GPU but" if best.gpu and not chosen.gpu else ""
                decision = replace(
                    decision,
                    why=f"{decision.why} ({best.label}{gain} has no wheels for Python "
                    f"{minor(python)}; it supports {python_span(best.decision.python, self.pythons)}.)",
                )
            out.append(decision)
        return out


def check_accelerator(here: Here) -> None:
    """An explicit accelerator this machine lacks is refused before any framework is looked at."""
    a = here.accelerator  # a named variant (cu130, xpu) may be for another machine: checked per framework
    if a == "cuda" and not here.nv_gpus:
        raise RequestError("accelerator 'cuda' was asked for, but this machine has no NVIDIA GPU", ACCELERATOR_HINT)
    if a == "rocm" and not here.amd_gpus:
        raise RequestError("accelerator 'rocm' was asked for, but this machine has no AMD GPU with ROCm", ACCELERATOR_HINT)
    if a == "mps" and here.platform != "darwin-arm64":
        raise RequestError("accelerator 'mps' needs macOS on Apple silicon", ACCELERATOR_HINT)


@dataclass(frozen=True)
class NoGpu:
    """Why a framework's GPU builds do not run here, and the fix when there is one."""

    reason: str
    fix: str | None = None

    def headline(self) -> str:
        """'CPU build: <reason>; <fix> to use the GPU'."""
        return f"CPU build: {self.reason}" + (f"; {self.fix} to use the GPU" if self.fix else "")


def no_driver(gpus: list[NvidiaGpu], driver: str) -> NoGpu:
    return NoGpu(
        f"the NVIDIA GPU here ({gpus_text(gpus, capability=False)}) has no driver loaded",
        f"install NVIDIA driver ≥ {driver} and run the wizard again",
    )


def intel_no_driver(gpus: list[IntelGpu]) -> NoGpu:
    """Intel GPUs without a bound kernel driver: torch.xpu cannot see them until the kernel drives them."""
    return NoGpu(
        f"the Intel GPU here ({', '.join(g.name for g in gpus)}) has no kernel driver bound",
        "load a kernel driver for it (`lspci -k` shows none in use) and run the wizard again",
    )


def jetson_no_gpu(here: Here, title: str) -> NoGpu:
    """A Jetson's integrated GPU: the ordinary wheels are built for discrete GPUs and SBSA servers."""
    return NoGpu(
        f"this is an NVIDIA Jetson (L4T {here.jetson}), whose integrated GPU {title}'s ordinary CUDA wheels do not serve",
        "install the JetPack builds from NVIDIA's Jetson AI Lab index (pypi.jetson-ai-lab.io) or NVIDIA's Jetson containers",
    )


def cpu_headline(accelerator: str, missing: NoGpu | None, gpu_elsewhere: bool) -> str:
    """Why a CPU build: asked for, the GPU cannot be used (and the fix), or no GPU at all. With GPU
    builds ranked above it, only a Python without GPU wheels reaches it, and `pick` says so."""
    if accelerator == "cpu":
        return "CPU build, as accelerator 'cpu' asks"
    if missing:
        return missing.headline()
    return "CPU build" if gpu_elsewhere else "No GPU to use, so the CPU build"


def refuse(here: Here, title: str, missing: NoGpu | None) -> RequestError:
    what = ACCEL_NAMES.get(here.family, here.accelerator)
    reason = missing.reason if missing else f"the catalog has no {what} build of {title} for {here.platform}"
    return RequestError(
        f"accelerator '{here.accelerator}' was asked for, but {reason}",
        (missing.fix if missing and missing.fix else ACCELERATOR_HINT),
    )
