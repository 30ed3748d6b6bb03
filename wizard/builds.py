"""Which build of each framework runs on this machine, and one readable sentence of why.

`candidates` ranks, per framework, every build that runs on this hardware, best first: GPU builds
(newest release, within it the newest CUDA the driver supports), then CPU builds. The planner picks
the Python from those ranks (`BuildOptions.fits`, `gpu_count`) and `BuildOptions.pick` takes each
framework's best build for that Python, so an older release serves an older Python. The tables are
data in assets/catalog.json (docs/builds.md); nothing here probes the machine or the network.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from wizard.answers import Accelerator
from wizard.catalog import Catalog, ExtrasTable, Framework, GpuVariant, IndexTable, TorchRelease
from wizard.machine import Machine, NvidiaGpu
from wizard.plan import Decision
from wizard.problems import RequestError

ACCELERATOR_HINT = "set accelerator to 'auto' or 'cpu'"
_ACCEL_NAMES = {"cuda": "CUDA", "rocm": "ROCm", "mps": "MPS"}


@dataclass(frozen=True)
class Candidate:
    """One build that runs here: the Decision it becomes, a label for messages, whether it uses a GPU."""

    decision: Decision
    label: str
    gpu: bool

    def supports(self, python: str) -> bool:
        spec = self.decision.python
        return not spec or SpecifierSet(spec).contains(Version(python), prereleases=True)


def python_span(spec: str, known: tuple[str, ...]) -> str:
    """'>=3.10,<3.14' → '3.10–3.13', over the Pythons the catalog knows."""
    ok = [v for v in known if not spec or SpecifierSet(spec).contains(Version(v), prereleases=True)]
    if not ok:
        return "no Python the catalog knows"
    return ok[0] if len(ok) == 1 else f"{ok[0]}–{ok[-1]}"


def _minor(python: str) -> str:
    return ".".join(python.split(".")[:2])


@dataclass(frozen=True)
class BuildOptions:
    """Every framework's builds that run on this machine, best first, for the Python choice."""

    ranked: dict[str, tuple[Candidate, ...]]
    titles: dict[str, str]
    pythons: tuple[str, ...]            # the catalog's known Python minors, oldest first

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
                raise RequestError(f"{self.titles[fid]} has no build that runs here for Python {_minor(python or '')}",
                                   f"its builds that run here support Python {self.span(fid)}")
            best, decision = ranked[0], chosen.decision
            if chosen is not best and python is not None:
                gain = " would use the GPU but" if best.gpu and not chosen.gpu else ""
                decision = replace(decision, why=f"{decision.why} ({best.label}{gain} has no wheels for Python "
                                                 f"{_minor(python)}; it supports {python_span(best.decision.python, self.pythons)}.)")
            out.append(decision)
        return out


# ---- facts about this machine --------------------------------------------------------------------


def _numbers(text: str) -> tuple[int, ...]:
    """'525.60.13' → (525, 60, 13); '8.9' → (8, 9): versions compared as numbers."""
    return tuple(int(n) for n in re.findall(r"\d+", text))


def min_driver(machine: Machine, catalog: Catalog, cuda_major: int) -> str | None:
    """The oldest NVIDIA driver that runs CUDA builds of this major on this machine (WSL2 runs the
    Windows driver); None for a CUDA major the catalog does not know."""
    row = next((r for r in catalog.builds.cuda_drivers if r.cuda == cuda_major), None)
    if row is None:
        return None
    return row.windows if machine.os == "windows" or machine.wsl else row.linux


def platform_key(machine: Machine) -> str:
    """The catalog's platform key: 'linux-x86_64', 'wsl-x86_64', 'windows-x86_64', 'darwin-arm64', ..."""
    arch = machine.arch.lower()
    arch = "x86_64" if arch in ("x86_64", "amd64", "x64") else "arm64" if arch in ("arm64", "aarch64") else arch
    return f"{'wsl' if machine.wsl else machine.os}-{arch}"


def _gpus_text(gpus: list[NvidiaGpu], capability: bool = True) -> str:
    """'2× RTX 3090 (8.6), RTX 4090 (8.9)'; without capability: '2× RTX 3090, RTX 4090'."""
    counts = Counter((g.name, g.compute_capability or "capability unknown") for g in gpus)
    return ", ".join(f"{f'{n}× ' if n > 1 else ''}{name}" + (f" ({cc})" if capability else "")
                     for (name, cc), n in counts.items())



def _cc(text: str) -> tuple[int, int]:
    """'8.9' → (8, 9); a bare '9' reads as 9.0."""
    major, minor = (*_numbers(text), 0, 0)[:2]
    return major, minor


def _covers(archs: list[str], cc: str) -> bool:
    """A build covers X.Z when it holds X.Y with Y ≤ Z: CUDA code runs on later minors of its major only."""
    want = _cc(cc)
    return any(have[0] == want[0] and have[1] <= want[1] for have in map(_cc, archs))


@dataclass(frozen=True)
class _Here:
    """This machine and request, as the choice reads them."""

    machine: Machine
    accelerator: Accelerator
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
    def known_ccs(self) -> list[str]:
        return [g.compute_capability for g in self.nv_gpus if g.compute_capability]

    def driver_min(self, cuda_major: int) -> str:
        """The oldest driver that runs CUDA builds of this major here (WSL2 runs the Windows driver)."""
        need = min_driver(self.machine, self.catalog, cuda_major)
        if need is None:
            raise LookupError(f"the catalog's cuda_drivers has no row for CUDA {cuda_major}")
        return need

    def driver_runs(self, cuda_major: int) -> bool:
        return self.driver is not None and _numbers(self.driver) >= _numbers(self.driver_min(cuda_major))

    def covers_all(self, archs: list[str]) -> bool:
        return all(_covers(archs, cc) for cc in self.known_ccs)

    def unknown_cc_note(self) -> str:
        unknown = [g for g in self.nv_gpus if not g.compute_capability]
        return f" (compute capability of {_gpus_text(unknown)} unknown: not checked)" if unknown else ""


def _check_accelerator(here: _Here) -> None:
    """An explicit accelerator this machine lacks is refused before any framework is looked at."""
    m, a = here.machine, here.accelerator
    if a == "cuda" and not here.nv_gpus:
        raise RequestError("accelerator 'cuda' was asked for, but this machine has no NVIDIA GPU", ACCELERATOR_HINT)
    if a == "rocm" and not (m.rocm and m.rocm.gpus):
        raise RequestError("accelerator 'rocm' was asked for, but this machine has no AMD GPU with ROCm", ACCELERATOR_HINT)
    if a == "mps" and here.platform != "darwin-arm64":
        raise RequestError("accelerator 'mps' needs macOS on Apple silicon", ACCELERATOR_HINT)


@dataclass(frozen=True)
class _NoGpu:
    """Why a framework's GPU builds do not run here, and the fix when there is one."""

    reason: str
    fix: str | None = None

    def headline(self) -> str:
        """'CPU build: <reason>; <fix> to use the GPU'."""
        return f"CPU build: {self.reason}" + (f"; {self.fix} to use the GPU" if self.fix else "")


def _no_driver(gpus: list[NvidiaGpu], driver: str) -> _NoGpu:
    return _NoGpu(f"the NVIDIA GPU here ({_gpus_text(gpus, capability=False)}) has no driver loaded",
                  f"install NVIDIA driver ≥ {driver} and run the wizard again")


def _cpu_headline(accelerator: Accelerator, missing: _NoGpu | None, gpu_elsewhere: bool) -> str:
    """Why a CPU build: asked for, the GPU cannot be used (and the fix), or no GPU at all. With GPU
    builds ranked above it, only a Python without GPU wheels reaches it, and `pick` says so."""
    if accelerator == "cpu":
        return "CPU build, as accelerator 'cpu' asks"
    if missing:
        return missing.headline()
    return "CPU build" if gpu_elsewhere else "No GPU to use, so the CPU build"


def _refuse(here: _Here, title: str, missing: _NoGpu | None) -> RequestError:
    what = _ACCEL_NAMES[here.accelerator]
    reason = missing.reason if missing else f"the catalog has no {what} build of {title} for {here.platform}"
    return RequestError(f"accelerator '{here.accelerator}' was asked for, but {reason}",
                        (missing.fix if missing and missing.fix else ACCELERATOR_HINT))


# ---- PyTorch: builds on their own indexes ---------------------------------------------------------


@dataclass(frozen=True)
class _Torch:
    fid: str
    table: IndexTable
    here: _Here

    @property
    def title(self) -> str:
        return self.here.catalog.frameworks[self.fid].title

    def archs(self, rel: TorchRelease, tag: str) -> list[str]:
        return rel.archs.get(tag) or self.here.catalog.builds.cuda_builds[tag].archs

    def cuda(self, tag: str) -> str:
        return self.here.catalog.builds.cuda_builds[tag].cuda

    def major(self, tag: str) -> int:
        return _numbers(self.cuda(tag))[0]

    def packages(self, i: int, rel: TorchRelease, gpu: bool) -> tuple[str, ...]:
        """GPU builds are pinned to the release whose architectures the catalog checked; the newest
        CPU build is left open so pip takes the latest that has wheels for the Python."""
        return (f"{self.table.package}=={rel.version}.*",) if gpu or i else (self.table.package,)

    def mirror_note(self, tag: str, rel: TorchRelease) -> str:
        """With the user's own index, which build it must serve."""
        url = self.table.index_url.format(tag=tag)
        if tag == "cpu":
            return f" Your index must serve the CPU build from {url}: PyPI's own Linux torch is the CUDA {rel.pypi_linux} build."
        same = (f" (PyPI's own Linux torch {rel.version} is this {tag} build)"
                if tag == rel.pypi_linux and self.here.platform in self.table.cpu_index_platforms else "")
        return f" Your index must serve the {tag} build from {url}{same}."

    def decision(self, variant: str, family: str, why: str, packages: tuple[str, ...], rel: TorchRelease,
                 tag: str | None) -> Decision:
        """A build from the index `tag` (None: from PyPI); with the user's own index, the why says what to mirror."""
        url = None
        if tag is not None:
            if self.here.custom_index:
                why += self.mirror_note(tag, rel)
            else:
                url = self.table.index_url.format(tag=tag)
        return Decision(self.fid, variant, why, packages, url, rel.python, self.table.sizes_mb[family])

    # -- CUDA --------------------------------------------------------------------------------------

    def best_tag(self, rel: TorchRelease) -> str | None:
        """The newest tag the driver runs and that covers every GPU, preferring those the driver fully
        supports (a driver cannot JIT PTX from a newer toolkit)."""
        here = self.here
        ok = [t for t in rel.cuda if here.driver_runs(self.major(t)) and here.covers_all(self.archs(rel, t))]
        cuda = here.machine.nvidia.cuda if here.machine.nvidia else None
        full = [t for t in ok if cuda and Version(self.cuda(t)) <= Version(cuda)]
        return max(full or ok, key=lambda t: Version(self.cuda(t)), default=None)

    def failures(self, rel: TorchRelease) -> str:
        """Why none of a release's CUDA builds runs here: 'cu130, cu132 need driver ≥ 580; cu126 lacks code for 12.0'."""
        here = self.here
        tags_by_problem: dict[tuple[str, str], list[str]] = {}
        for tag in rel.cuda:
            if not here.driver_runs(self.major(tag)):
                problem = ("driver", here.driver_min(self.major(tag)))
            else:
                problem = ("code", ", ".join(sorted({cc for cc in here.known_ccs if not _covers(self.archs(rel, tag), cc)}, key=_cc)))
            tags_by_problem.setdefault(problem, []).append(tag)
        parts = []
        for (kind, what), tags in tags_by_problem.items():
            one = len(tags) == 1
            verb = (f"{'needs' if one else 'need'} driver ≥ {what}" if kind == "driver"
                    else f"{'lacks' if one else 'lack'} code for {what}")
            parts.append(f"{', '.join(tags)} {verb}")
        return "; ".join(parts)

    def upgrade(self, rel: TorchRelease) -> str | None:
        """'driver ≥ 580 allows torch 2.13 (cu130, cu132)', when a newer driver would serve this release."""
        covering = [t for t in rel.cuda if self.here.covers_all(self.archs(rel, t))]
        if not covering:
            return None
        need = min((self.here.driver_min(self.major(t)) for t in covering), key=_numbers)
        tags = ", ".join(t for t in covering if self.here.driver_min(self.major(t)) == need)
        return f"driver ≥ {need} allows torch {rel.version} ({tags})"

    def cuda_candidates(self) -> tuple[list[Candidate], _NoGpu | None]:
        here, table = self.here, self.table
        gpus = _gpus_text(here.nv_gpus)
        newest_major = max(self.major(t) for t in table.releases[0].cuda)
        if here.platform not in table.cuda_platforms:
            return [], _NoGpu(f"the catalog has no CUDA build of torch for {here.platform}")
        if here.driver is None:
            return [], _no_driver(here.nv_gpus, here.driver_min(newest_major))
        out: list[Candidate] = []
        for i, rel in enumerate(table.releases):
            tag = self.best_tag(rel)
            if tag is None:
                continue
            nv_cuda = here.machine.nvidia.cuda if here.machine.nvidia else None
            runs = f"fully supports (CUDA {nv_cuda})" if nv_cuda and Version(self.cuda(tag)) <= Version(nv_cuda) else "runs"
            why = (f"torch {rel.version} with {tag}: its newest CUDA build that driver {here.driver} {runs} "
                   f"and that has code for {gpus}{here.unknown_cc_note()}.")
            if not out and i:
                newest = table.releases[0]
                upgrade = self.upgrade(newest)
                why += f" torch {newest.version} has none ({self.failures(newest)})" + (f"; {upgrade}." if upgrade else ".")
            out.append(Candidate(self.decision(tag, "cuda", why, self.packages(i, rel, True), rel, tag), f"torch {rel.version} with {tag}", True))
        return out, (None if out else self.no_cuda())

    def no_cuda(self) -> _NoGpu:
        """Why no release has a CUDA build for this driver and these GPUs, and the fix."""
        here = self.here
        covering = [(rel, t) for rel in self.table.releases for t in rel.cuda if here.covers_all(self.archs(rel, t))]
        if not covering:
            alone = [g for g in here.nv_gpus if g.compute_capability and not any(
                _covers(self.archs(rel, t), g.compute_capability) for rel in self.table.releases for t in rel.cuda)]
            if alone:
                return _NoGpu(f"no torch build in the catalog has code for {_gpus_text(alone)}")
            return _NoGpu(f"no single torch build has code for every GPU here ({_gpus_text(here.nv_gpus)})")
        oldest = min((here.driver_min(self.major(t)) for _, t in covering), key=_numbers)
        newest_rel = covering[0][0]
        need = min((here.driver_min(self.major(t)) for rel, t in covering if rel is newest_rel), key=_numbers)
        return _NoGpu(f"driver {here.driver} runs none of the torch builds with code for {_gpus_text(here.nv_gpus)} "
                      f"(the oldest needs ≥ {oldest})", f"install NVIDIA driver ≥ {need}")

    # -- ROCm and MPS ------------------------------------------------------------------------------

    def rocm_candidates(self) -> tuple[list[Candidate], _NoGpu | None]:
        here, table = self.here, self.table
        rocm = here.machine.rocm
        assert rocm is not None
        if here.platform not in table.rocm_platforms:
            return [], _NoGpu(f"the catalog has no ROCm build of torch for {here.platform}")
        have = _numbers(rocm.version)[:2] if rocm.version else None
        out: list[Candidate] = []
        for i, rel in enumerate(table.releases):
            fitting = [v for v in rel.rocm if have is None or _numbers(v)[:2] <= have]
            if not fitting:
                continue
            version = fitting[-1]
            why = (f"torch {rel.version} with rocm{version}: its newest ROCm build not newer than the ROCm {rocm.version} here."
                   if have else f"torch {rel.version} with rocm{version}: the ROCm version here is unknown; it needs ROCm {version} or newer.")
            if not out and i:
                why += f" torch {table.releases[0].version} needs ROCm ≥ {table.releases[0].rocm[0]}."
            out.append(Candidate(self.decision(f"rocm{version}", "rocm", why, self.packages(i, rel, True), rel, f"rocm{version}"),
                                 f"torch {rel.version} with rocm{version}", True))
        if out:
            return out, None
        return [], _NoGpu(f"ROCm {rocm.version} is older than every torch ROCm build in the catalog",
                          f"upgrade ROCm to ≥ {table.releases[0].rocm[0]}")

    def mps_candidates(self) -> tuple[list[Candidate], _NoGpu | None]:
        if not self.here.machine.mps:
            return [], _NoGpu("this Mac reports no MPS device (macOS 12.3 or newer on Apple silicon has one)")
        why = "macOS on Apple silicon: PyPI's torch runs on the GPU through MPS."
        return [Candidate(self.decision("mps", "mps", why, self.packages(i, rel, False), rel, None), f"torch {rel.version} (MPS)", True)
                for i, rel in enumerate(self.table.releases)], None

    def cpu_candidates(self, headline: str) -> list[Candidate]:
        here, table = self.here, self.table
        from_index = here.platform in table.cpu_index_platforms
        where = (" It comes from PyTorch's CPU index, not the multi-gigabyte CUDA build that plain PyPI serves on Linux."
                 if from_index and not here.custom_index else "" if from_index else " It comes from PyPI.")
        return [Candidate(self.decision("cpu", "cpu", f"{headline}.{where}", self.packages(i, rel, False), rel,
                                        "cpu" if from_index else None), f"torch {rel.version} (CPU)", False)
                for i, rel in enumerate(table.releases)]

    def candidates(self) -> list[Candidate]:
        here, m, a = self.here, self.here.machine, self.here.accelerator
        if here.platform not in self.table.platforms:
            raise RequestError(f"{self.title} publishes no wheels for {here.platform}",
                               "see pytorch.org/get-started for the platforms it supports")
        gpu: list[Candidate] = []
        missing: list[_NoGpu] = []
        paths = ((("auto", "cuda"), bool(here.nv_gpus), self.cuda_candidates),
                 (("auto", "rocm"), bool(m.rocm and m.rocm.gpus), self.rocm_candidates),
                 (("auto", "mps"), here.platform in self.table.mps_platforms, self.mps_candidates))
        for wanted, present, find in paths:
            if a in wanted and present:
                found, why_not = find()
                gpu += found
                missing += [why_not] if why_not else []
        if a in _ACCEL_NAMES:
            if not gpu:
                raise _refuse(here, self.title, missing[0] if missing else None)
            return gpu
        return gpu + self.cpu_candidates(_cpu_headline(a, missing[0] if missing and not gpu else None, bool(gpu)))


# ---- TensorFlow, JAX: GPU builds as extras on PyPI -------------------------------------------------


@dataclass(frozen=True)
class _Extras:
    fid: str
    fw: Framework
    table: ExtrasTable
    here: _Here

    def no_gpu_text(self) -> str | None:
        plat = self.here.platform
        return self.table.no_gpu.get(plat) or self.table.no_gpu.get(plat.split("-")[0])

    def variant_failure(self, v: GpuVariant) -> str | None:
        """Why this GPU variant does not run here, or None when it does."""
        here = self.here
        if here.platform not in v.platforms:
            return self.no_gpu_text() or f"{v.requirement} has no wheels for {here.platform}"
        if not here.driver_runs(v.cuda):
            return f"{v.requirement} needs driver ≥ {here.driver_min(v.cuda)}"
        low = self.too_old(v)
        if low:
            return f"{v.requirement} needs compute capability ≥ {v.min_cc} ({_gpus_text(low)})"
        return None

    def too_old(self, v: GpuVariant) -> list[NvidiaGpu]:
        """The GPUs below the variant's minimum compute capability."""
        return [g for g in self.here.nv_gpus if g.compute_capability and _cc(g.compute_capability) < _cc(v.min_cc)]

    def gpu_variant(self) -> tuple[GpuVariant | None, str, _NoGpu | None]:
        """The newest GPU variant that runs here with its why, or why none does."""
        here = self.here
        if here.driver is None:
            return None, "", _no_driver(here.nv_gpus, here.driver_min(self.table.gpu[0].cuda))
        failed: list[str] = []
        for v in self.table.gpu:
            failure = self.variant_failure(v)
            if failure:
                failed.append(failure)
                continue
            why = (f"{v.requirement}: driver {here.driver} runs its CUDA {v.cuda} libraries and every GPU here "
                   f"({_gpus_text(here.nv_gpus)}) has compute capability ≥ {v.min_cc}{here.unknown_cc_note()}")
            why += "".join(f"; {f}" for f in failed) + "." + (f" {v.caveats[here.platform]}." if here.platform in v.caveats else "")
            return v, why, None
        # nothing runs: a newer driver helps when some variant fails on the driver alone
        fixable = [here.driver_min(v.cuda) for v in self.table.gpu if here.platform in v.platforms and not self.too_old(v)]
        fix = f"install NVIDIA driver ≥ {min(fixable, key=_numbers)}" if fixable else None
        return None, "", _NoGpu("; ".join(dict.fromkeys(failed)), fix)

    def releases(self, variant: str, requirement: str, why: str, gpu: bool) -> list[Candidate]:
        """One candidate per release line; older lines are pinned, for older Pythons."""
        out = []
        for i, rel in enumerate(self.table.releases):
            pin = "" if i == 0 else rel.pin or f"=={rel.version}.*"
            label = f"{self.fw.title} {rel.pin or rel.version} ({variant})"
            out.append(Candidate(Decision(self.fid, variant, why, (requirement + pin,), None, rel.python,
                                          self.table.sizes_mb[variant]), label, gpu))
        return out

    def candidates(self) -> list[Candidate]:
        here, a = self.here, self.here.accelerator
        if a in ("rocm", "mps"):
            raise _refuse(here, self.fw.title, None)
        gpu: list[Candidate] = []
        missing = None
        other_gpu = "MPS" if here.machine.mps else "ROCm" if here.machine.rocm and here.machine.rocm.gpus else None
        if a != "cpu" and here.nv_gpus:
            v, why, missing = self.gpu_variant()
            if v is not None:
                gpu = self.releases(v.variant, v.requirement, why, True)
        elif a != "cpu" and other_gpu:
            missing = _NoGpu(f"the catalog has no {other_gpu} build of {self.fw.title}")
        if a == "cuda":
            if not gpu:
                raise _refuse(here, self.fw.title, missing)
            return gpu
        return gpu + self.releases("cpu", self.table.cpu, _cpu_headline(a, missing, bool(gpu)) + ".", False)


# ---- entry points ---------------------------------------------------------------------------------


def candidates(frameworks: list[str], machine: Machine, accelerator: Accelerator, catalog: Catalog,
               custom_index: bool) -> BuildOptions:
    """Every framework's builds that run here, best first; RequestError when an explicit accelerator
    cannot be served or a framework has no build for this platform at all."""
    here = _Here(machine, accelerator, catalog, custom_index)
    _check_accelerator(here)
    ranked: dict[str, tuple[Candidate, ...]] = {}
    for fid in frameworks:
        fw = catalog.frameworks[fid]
        table = catalog.builds.tables.get(fw.builds) if fw.builds else None
        if isinstance(table, IndexTable):
            ranked[fid] = tuple(_Torch(fid, table, here).candidates())
        elif isinstance(table, ExtrasTable):
            ranked[fid] = tuple(_Extras(fid, fw, table, here).candidates())
        else:
            ranked[fid] = (Candidate(Decision(fid, "default", "From the package index; no hardware-specific build.",
                                              tuple(fw.packages), None, fw.python, fw.size_mb), fw.title, False),)
    return BuildOptions(ranked, {fid: catalog.frameworks[fid].title for fid in frameworks},
                        tuple(catalog.builds.pythons.versions))


def decide(frameworks: list[str], machine: Machine, accelerator: Accelerator, catalog: Catalog,
           custom_index: bool, python: str | None = None) -> list[Decision]:
    """One Decision per framework for this Python (None: the best this hardware allows, whatever the Python)."""
    return candidates(frameworks, machine, accelerator, catalog, custom_index).pick(python)
