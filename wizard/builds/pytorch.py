"""PyTorch: builds on their own indexes (download.pytorch.org/whl/<tag>), chosen per driver and GPU."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from wizard.builds.choice import ACCEL_NAMES, Candidate, NoGpu, cpu_headline, no_driver, refuse
from wizard.builds.hardware import Here, cc_key, covers, gpus_text, numbers
from wizard.catalog import IndexTable, TorchRelease
from wizard.plan import Decision
from wizard.problems import RequestError


@dataclass(frozen=True)
class Torch:
    fid: str
    table: IndexTable
    here: Here

    @property
    def title(self) -> str:
        return self.here.catalog.frameworks[self.fid].title

    def archs(self, rel: TorchRelease, tag: str) -> list[str]:
        return rel.archs.get(tag) or self.here.catalog.builds.cuda_builds[tag].archs

    def cuda(self, tag: str) -> str:
        return self.here.catalog.builds.cuda_builds[tag].cuda

    def major(self, tag: str) -> int:
        return numbers(self.cuda(tag))[0]

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
                problem = ("code", ", ".join(sorted({cc for cc in here.known_ccs if not covers(self.archs(rel, tag), cc)}, key=cc_key)))
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
        need = min((self.here.driver_min(self.major(t)) for t in covering), key=numbers)
        tags = ", ".join(t for t in covering if self.here.driver_min(self.major(t)) == need)
        return f"driver ≥ {need} allows torch {rel.version} ({tags})"

    def cuda_candidates(self) -> tuple[list[Candidate], NoGpu | None]:
        here, table = self.here, self.table
        gpus = gpus_text(here.nv_gpus)
        newest_major = max(self.major(t) for t in table.releases[0].cuda)
        if here.platform not in table.cuda_platforms:
            return [], NoGpu(f"the catalog has no CUDA build of torch for {here.platform}")
        if here.driver is None:
            return [], no_driver(here.nv_gpus, here.driver_min(newest_major))
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

    def no_cuda(self) -> NoGpu:
        """Why no release has a CUDA build for this driver and these GPUs, and the fix."""
        here = self.here
        covering = [(rel, t) for rel in self.table.releases for t in rel.cuda if here.covers_all(self.archs(rel, t))]
        if not covering:
            alone = [g for g in here.nv_gpus if g.compute_capability and not any(
                covers(self.archs(rel, t), g.compute_capability) for rel in self.table.releases for t in rel.cuda)]
            if alone:
                return NoGpu(f"no torch build in the catalog has code for {gpus_text(alone)}")
            return NoGpu(f"no single torch build has code for every GPU here ({gpus_text(here.nv_gpus)})")
        oldest = min((here.driver_min(self.major(t)) for _, t in covering), key=numbers)
        newest_rel = covering[0][0]
        need = min((here.driver_min(self.major(t)) for rel, t in covering if rel is newest_rel), key=numbers)
        return NoGpu(f"driver {here.driver} runs none of the torch builds with code for {gpus_text(here.nv_gpus)} "
                      f"(the oldest needs ≥ {oldest})", f"install NVIDIA driver ≥ {need}")

    # -- ROCm and MPS ------------------------------------------------------------------------------

    def rocm_candidates(self) -> tuple[list[Candidate], NoGpu | None]:
        here, table = self.here, self.table
        rocm = here.machine.rocm
        assert rocm is not None
        if here.platform not in table.rocm_platforms:
            return [], NoGpu(f"the catalog has no ROCm build of torch for {here.platform}")
        have = numbers(rocm.version)[:2] if rocm.version else None
        out: list[Candidate] = []
        for i, rel in enumerate(table.releases):
            fitting = [v for v in rel.rocm if have is None or numbers(v)[:2] <= have]
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
        return [], NoGpu(f"ROCm {rocm.version} is older than every torch ROCm build in the catalog",
                          f"upgrade ROCm to ≥ {table.releases[0].rocm[0]}")

    def mps_candidates(self) -> tuple[list[Candidate], NoGpu | None]:
        if not self.here.machine.mps:
            return [], NoGpu("this Mac reports no MPS device (macOS 12.3 or newer on Apple silicon has one)")
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
        missing: list[NoGpu] = []
        paths = ((("auto", "cuda"), bool(here.nv_gpus), self.cuda_candidates),
                 (("auto", "rocm"), bool(m.rocm and m.rocm.gpus), self.rocm_candidates),
                 (("auto", "mps"), here.platform in self.table.mps_platforms, self.mps_candidates))
        for wanted, present, find in paths:
            if a in wanted and present:
                found, why_not = find()
                gpu += found
                missing += [why_not] if why_not else []
        if a in ACCEL_NAMES:
            if not gpu:
                raise refuse(here, self.title, missing[0] if missing else None)
            return gpu
        return gpu + self.cpu_candidates(cpu_headline(a, missing[0] if missing and not gpu else None, bool(gpu)))
