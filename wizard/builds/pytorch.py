"""PyTorch: builds on their own indexes (download.pytorch.org/whl/<tag>), chosen per driver and GPU."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from packaging.version import Version

from wizard.builds.choice import (
    ACCEL_NAMES,
    ACCELERATOR_HINT,
    Candidate,
    NoGpu,
    cpu_headline,
    intel_no_driver,
    jetson_no_gpu,
    no_driver,
    refuse,
)
from wizard.builds.hardware import Here, cc_key, covers, gfx_text, gpus_text, intel_text, macos_version, numbers
from wizard.catalog import IndexTable, TorchRelease
from wizard.machine import IntelGpu, NvidiaGpu, RocmGpu
from wizard.plan import Decision
from wizard.problems import RequestError

# gfx family prefix -> the HSA_OVERRIDE_GFX_VERSION the community uses for its unsupported members
_HSA_OVERRIDES = {"gfx103": "10.3.0", "gfx110": "11.0.0"}


@dataclass(frozen=True)
class Torch:
    fid: str
    table: IndexTable
    here: Here

    @property
    def title(self) -> str:
        return self.here.catalog.frameworks[self.fid].title

    @property
    def releases(self) -> list[TorchRelease]:
        """The releases with wheels for this platform (and this macOS), newest first."""
        return [r for r in self.table.releases if self.here.platform in r.pypi and not self.too_old_macos(r)]

    def too_old_macos(self, rel: TorchRelease) -> bool:
        have = macos_version(self.here.machine)
        return bool(self.here.platform == "darwin-arm64" and rel.macos_min and have and have < numbers(rel.macos_min))

    def macos_note(self) -> str:
        """' torch 2.15 needs macOS ≥ 14.0 (this Mac: 13.6).' when the newest releases skip this Mac."""
        skipped = [r for r in self.table.releases if self.too_old_macos(r)]
        if not skipped:
            return ""
        return f" torch {skipped[0].version} needs macOS ≥ {skipped[0].macos_min} (this Mac: {self.here.machine.distro})."

    def archs(self, rel: TorchRelease, tag: str) -> list[str]:
        """The compute capabilities compiled into this release's `tag` build for this platform ([]: no such build)."""
        build = self.here.catalog.builds.cuda_builds[tag]
        if self.here.platform == "linux-arm64":
            return build.archs_aarch64
        return rel.archs.get(tag) or build.archs

    def tags(self, rel: TorchRelease) -> list[str]:
        """The release's CUDA tags with a build for this platform."""
        return [t for t in rel.cuda if self.archs(rel, t)]

    def cuda(self, tag: str) -> str:
        return self.here.catalog.builds.cuda_builds[tag].cuda

    def major(self, tag: str) -> int:
        return numbers(self.cuda(tag))[0]

    def packages(self, i: int, rel: TorchRelease, gpu: bool) -> tuple[str, ...]:
        """GPU builds are pinned to the release whose architectures the catalog checked; the newest
        CPU build is left open so pip takes the latest that has wheels for the Python (pinned where this
        platform or macOS skips the newest releases, so the plan says what pip will install)."""
        newest = rel is self.table.releases[0] and not i
        return (self.table.package,) if newest and not gpu else (f"{self.table.package}=={rel.version}.*",)

    def mirror_note(self, tag: str, rel: TorchRelease) -> str:
        """With the user's own index, which build it must serve."""
        url = self.table.index_url.format(tag=tag)
        pypi = rel.pypi.get(self.here.platform)
        if tag == "cpu":
            return f" Your index must serve the CPU build from {url}: PyPI's own Linux torch is the CUDA {pypi} build."
        same = (
            f" (PyPI's own Linux torch {rel.version} is this {tag} build)"
            if tag == pypi and self.here.platform in self.table.cpu_index_platforms
            else ""
        )
        return f" Your index must serve the {tag} build from {url}{same}."

    def candidate(
        self,
        variant: str,
        family: str,
        why: str,
        packages: tuple[str, ...],
        rel: TorchRelease,
        tag: str | None,
        label: str,
        gpu: bool,
    ) -> Candidate:
        """A build from the index `tag` (None: from PyPI); with the user's own index, the why says what to mirror."""
        url = None
        if tag is not None:
            if self.here.custom_index:
                why += self.mirror_note(tag, rel)
            else:
                url = self.table.index_url.format(tag=tag)
        return Candidate(
            Decision(self.fid, variant, why, packages, url, rel.python, self.table.sizes_mb[family]),
            label,
            gpu,
            rel.free_threaded,
        )

    # -- CUDA --------------------------------------------------------------------------------------

    def best_tag(self, rel: TorchRelease) -> str | None:
        """The newest tag the driver runs and that covers every GPU, preferring those the driver fully
        supports (a driver cannot JIT PTX from a newer toolkit)."""
        here = self.here
        ok = [t for t in self.tags(rel) if here.driver_runs(self.major(t)) and here.covers_all(self.archs(rel, t))]
        cuda = here.machine.nvidia.cuda if here.machine.nvidia else None
        full = [t for t in ok if cuda and Version(self.cuda(t)) <= Version(cuda)]
        return max(full or ok, key=lambda t: Version(self.cuda(t)), default=None)

    def failures(self, rel: TorchRelease) -> str:
        """Why none of a release's CUDA builds runs here: 'cu130, cu132 need driver ≥ 580; cu126 lacks code for 12.0'."""
        here = self.here
        tags_by_problem: dict[tuple[str, str], list[str]] = {}
        for tag in self.tags(rel):
            if not here.driver_runs(self.major(tag)):
                problem = ("driver", here.driver_min(self.major(tag)))
            else:
                problem = (
                    "code",
                    ", ".join(sorted({cc for cc in here.known_ccs if not covers(self.archs(rel, tag), cc)}, key=cc_key)),
                )
            tags_by_problem.setdefault(problem, []).append(tag)
        parts = []
        for (kind, what), tags in tags_by_problem.items():
            one = len(tags) == 1
            verb = (
                f"{'needs' if one else 'need'} driver ≥ {what}"
                if kind == "driver"
                else f"{'lacks' if one else 'lack'} code for {what}"
            )
            parts.append(f"{', '.join(tags)} {verb}")
        return "; ".join(parts)

    def upgrade(self, rel: TorchRelease) -> str | None:
        """'driver ≥ 580 allows torch 2.13 (cu130, cu132)', when a newer driver would serve this release."""
        covering = [t for t in self.tags(rel) if self.here.covers_all(self.archs(rel, t))]
        if not covering:
            return None
        need = min((self.here.driver_min(self.major(t)) for t in covering), key=numbers)
        tags = ", ".join(t for t in covering if self.here.driver_min(self.major(t)) == need)
        return f"driver ≥ {need} allows torch {rel.version} ({tags})"

    def cuda_candidates(self) -> tuple[list[Candidate], NoGpu | None]:
        here, table = self.here, self.table
        gpus = gpus_text(here.nv_gpus)
        if here.jetson:
            return [], jetson_no_gpu(here, self.title)
        if here.platform not in table.cuda_platforms:
            return [], NoGpu(f"the catalog has no CUDA build of torch for {here.platform}")
        newest_major = max(self.major(t) for t in self.tags(self.releases[0]))
        if here.driver is None:
            return [], no_driver(here.nv_gpus, here.driver_min(newest_major))
        out: list[Candidate] = []
        for i, rel in enumerate(self.releases):
            tag = self.best_tag(rel)
            if tag is None:
                continue
            nv_cuda = here.machine.nvidia.cuda if here.machine.nvidia else None
            runs = f"fully supports (CUDA {nv_cuda})" if nv_cuda and Version(self.cuda(tag)) <= Version(nv_cuda) else "runs"
            why = (
                f"torch {rel.version} with {tag}: its newest CUDA build that driver {here.driver} {runs} "
                f"and that has code for {gpus}{here.unknown_cc_note()}."
            )
            if not out and i:
                newest = self.releases[0]
                upgrade = self.upgrade(newest)
                why += f" torch {newest.version} has none ({self.failures(newest)})" + (f"; {upgrade}." if upgrade else ".")
            out.append(
                self.candidate(tag, "cuda", why, self.packages(i, rel, True), rel, tag, f"torch {rel.version} with {tag}", True)
            )
        return out, (None if out else self.no_cuda())

    def no_cuda(self) -> NoGpu:
        """Why no release has a CUDA build for this driver and these GPUs, and the fix."""
        here = self.here
        covering = [(rel, t) for rel in self.releases for t in self.tags(rel) if here.covers_all(self.archs(rel, t))]
        if not covering:
            alone = [
                g
                for g in here.nv_gpus
                if g.compute_capability
                and not any(covers(self.archs(rel, t), g.compute_capability) for rel in self.releases for t in self.tags(rel))
            ]
            if alone:
                return NoGpu(f"no torch build in the catalog has code for {gpus_text(alone)}")
            return NoGpu(f"no single torch build has code for every GPU here ({gpus_text(here.nv_gpus)})")
        oldest = min((here.driver_min(self.major(t)) for _, t in covering), key=numbers)
        newest_rel = covering[0][0]
        need = min((here.driver_min(self.major(t)) for rel, t in covering if rel is newest_rel), key=numbers)
        return NoGpu(
            f"driver {here.driver} runs none of the torch builds with code for {gpus_text(here.nv_gpus)} "
            f"(the oldest needs ≥ {oldest})",
            f"install NVIDIA driver ≥ {need}",
        )

    # -- ROCm and MPS ------------------------------------------------------------------------------

    def rocm_candidates(self) -> tuple[list[Candidate], NoGpu | None]:
        here, table = self.here, self.table
        rocm = here.machine.rocm
        assert rocm is not None
        if here.platform not in table.rocm_platforms:
            return [], NoGpu(f"the catalog has no ROCm build of torch for {here.platform}")
        have = numbers(rocm.version)[:2] if rocm.version else None
        outside = self.gfx_outside()
        if outside:
            return [], outside
        out: list[Candidate] = []
        for i, rel in enumerate(self.releases):
            fitting = [v for v in rel.rocm if (have is None or numbers(v)[:2] <= have) and self.gfx_runs(v)]
            if not fitting:
                continue
            version = fitting[-1]
            why = (
                f"torch {rel.version} with rocm{version}: its newest ROCm build not newer than the ROCm {rocm.version} here."
                if have
                else f"torch {rel.version} with rocm{version}: the ROCm version here is unknown;"
                f" it needs ROCm {version} or newer."
            )
            if self.gfx_known(version):
                why += f" Its gfx targets include {', '.join(sorted({g.arch for g in here.amd_gpus if g.arch}))}."
            newest = self.releases[0]
            if not out and i:
                why += (
                    f" torch {newest.version} needs ROCm ≥ {newest.rocm[0]}."
                    if newest.rocm
                    else f" torch {newest.version} has no ROCm build in the catalog."
                )
            out.append(
                self.candidate(
                    f"rocm{version}",
                    "rocm",
                    why,
                    self.packages(i, rel, True),
                    rel,
                    f"rocm{version}",
                    f"torch {rel.version} with rocm{version}",
                    True,
                )
            )
        if out:
            return out, None
        return [], NoGpu(
            f"ROCm {rocm.version} is older than every torch ROCm build in the catalog with code for this GPU",
            f"upgrade ROCm to ≥ {self.newest_rocm()}",
        )

    def newest_rocm(self) -> str:
        """The oldest ROCm of the newest release with a ROCm build that has code for the GPUs here."""
        return next(v for r in self.releases for v in r.rocm if self.gfx_runs(v))

    def gfx_known(self, version: str) -> bool:
        return version in self.here.catalog.builds.rocm_builds and any(g.arch for g in self.here.amd_gpus)

    def gfx_runs(self, version: str) -> bool:
        """Whether ROCm build `version` has code for every AMD GPU here (not checked where the catalog has no gfx list)."""
        build = self.here.catalog.builds.rocm_builds.get(version)
        return build is None or all(g.arch in build.gfx for g in self.here.amd_gpus if g.arch)

    def gfx_outside(self) -> NoGpu | None:
        """The AMD GPUs no ROCm build in the catalog has code for, as the reason, with the community's workaround."""
        lists = {v: b.gfx for v, b in self.here.catalog.builds.rocm_builds.items()}
        alone = [g for g in self.here.amd_gpus if g.arch and not any(g.arch in gfx for gfx in lists.values())]
        if not alone:
            return None
        names = ", ".join(f"{g.name} ({g.arch})" for g in alone)
        override = next((v for prefix, v in _HSA_OVERRIDES.items() if alone[0].arch.startswith(prefix)), None)
        fix = (
            f"community workaround, not supported by PyTorch: HSA_OVERRIDE_GFX_VERSION={override} makes ROCm treat the card as "
            f"a supported target of its family; otherwise use the CPU build"
            if override
            else "no ROCm build of torch runs on it; use the CPU build (accelerator 'cpu')"
        )
        return NoGpu(f"no torch ROCm build in the catalog has code for {names}", fix)

    def mps_candidates(self) -> tuple[list[Candidate], NoGpu | None]:
        if not self.here.machine.mps:
            return [], NoGpu("this Mac reports no MPS device (macOS 12.3 or newer on Apple silicon has one)")
        why = "macOS on Apple silicon: PyPI's torch runs on the GPU through MPS."
        why += self.macos_note()
        return [
            self.candidate("mps", "mps", why, self.packages(i, rel, False), rel, None, f"torch {rel.version} (MPS)", True)
            for i, rel in enumerate(self.releases)
        ], None

    def xpu_candidates(self) -> tuple[list[Candidate], NoGpu | None]:
        here = self.here
        if here.platform not in self.table.xpu_platforms:
            return [], NoGpu(f"the catalog has no XPU build of torch for {here.platform}")
        if no := self.xpu_no_driver():
            return [], no
        unbound = here.intel_unbound
        usable = [g for g in here.intel_gpus if g.kernel_driver != ""]
        why = (
            f"PyTorch's xpu build runs on the Intel GPU here ({intel_text(usable)})"
            " through oneAPI's level-zero runtime, which it brings along."
        )
        if unbound:
            why += f" torch.xpu will not see {intel_text(unbound)}: no kernel driver is bound to it."
        return [
            self.candidate("xpu", "xpu", why, self.packages(i, rel, True), rel, "xpu", f"torch {rel.version} with xpu", True)
            for i, rel in enumerate(self.releases)
            if rel.xpu
        ], None

    def xpu_no_driver(self) -> NoGpu | None:
        """Why the xpu build cannot use any Intel GPU here: none has a kernel driver bound."""
        gpus = self.here.intel_gpus
        return intel_no_driver(gpus) if gpus and len(self.here.intel_unbound) == len(gpus) else None

    # -- a variant the answers name ---------------------------------------------------------------

    def forced_candidates(self) -> list[Candidate]:
        """The releases with the variant the answers name, checked against whatever GPU the machine describes;
        a machine without that kind of GPU (a Docker build, CI) gets it unchecked."""
        here, table, tag, fam = self.here, self.table, self.here.forced_tag or "", self.here.family
        asked = f"accelerator '{tag}' was asked for, but"
        platforms = {"cuda": table.cuda_platforms, "rocm": table.rocm_platforms, "xpu": table.xpu_platforms}[fam]
        if here.platform not in platforms:
            raise RequestError(f"{asked} PyTorch has no {tag} build for {here.platform}", ACCELERATOR_HINT)
        has: Callable[[TorchRelease], bool] = {
            "cuda": lambda r: tag in self.tags(r),
            "rocm": lambda r: tag[4:] in r.rocm,
            "xpu": lambda r: r.xpu,
        }[fam]
        rels = [r for r in self.releases if has(r)]
        if not rels:
            raise RequestError(
                f"{asked} no torch release in the catalog has a {tag} build",
                "variants in the catalog: " + ", ".join(self.variants()),
            )
        by_family: dict[str, Sequence[NvidiaGpu | RocmGpu | IntelGpu]] = {
            "cuda": here.nv_gpus,
            "rocm": here.amd_gpus,
            "xpu": here.intel_gpus,
        }
        own = by_family[fam]
        others = [g.name for gpus in by_family.values() for g in gpus if g not in own]
        if not own and others:
            raise RequestError(
                f"{asked} this machine has {', '.join(others)} and no {ACCEL_NAMES[fam]} GPU",
                "ask for a variant of the GPU this machine has, or 'auto'",
            )
        checked = "no such GPU here to check it against"
        if fam == "cuda" and own:
            rels = self.forced_cuda(tag, rels)
            checked = f"driver {here.driver} runs it and it has code for {gpus_text(here.nv_gpus)}"
        elif fam == "rocm" and own:
            version = tag[4:]
            if not self.gfx_runs(version):
                gfx = ", ".join(g.arch for g in here.amd_gpus)
                lists = {v: b.gfx for v, b in here.catalog.builds.rocm_builds.items()}
                raise RequestError(
                    f"{asked} it has no code for {gfx} (ROCm builds with it: {gfx_text(here.amd_gpus[0].arch, lists)})",
                    "ask for 'auto' or another rocm variant",
                )
            checked = "its gfx targets include the GPUs here" if self.gfx_known(version) else "gfx targets not checked"
        elif fam == "xpu" and own:
            if no := self.xpu_no_driver():
                raise RequestError(f"{asked} {no.reason}", no.fix)
            checked = f"for {intel_text(here.intel_gpus)}"
        return [
            self.candidate(
                tag,
                fam,
                f"torch {rel.version} with {tag}, as accelerator '{tag}' asks; {checked}.",
                self.packages(i, rel, True),
                rel,
                tag,
                f"torch {rel.version} with {tag}",
                True,
            )
            for i, rel in enumerate(rels)
        ]

    def forced_cuda(self, tag: str, rels: list[TorchRelease]) -> list[TorchRelease]:
        """The releases whose `tag` build runs on this machine's NVIDIA driver and GPUs, or the refusal."""
        here, asked = self.here, f"accelerator '{tag}' was asked for, but"
        if here.jetson:
            no = jetson_no_gpu(here, self.title)
            raise RequestError(f"{asked} {no.reason}", no.fix)
        need = here.driver_min(self.major(tag))
        if not here.driver_runs(self.major(tag)):
            have = f"driver {here.driver} is older than" if here.driver else "no NVIDIA driver is loaded; it needs"
            raise RequestError(
                f"{asked} {have} the {need} that CUDA {self.cuda(tag)} builds need",
                f"install NVIDIA driver ≥ {need}, or ask for a variant this driver runs ('auto' picks one)",
            )
        fit = [r for r in rels if here.covers_all(self.archs(r, tag))]
        if not fit:
            raise RequestError(
                f"{asked} no torch {tag} build has code for {gpus_text(here.nv_gpus)}",
                "ask for 'auto', which picks the build that has it",
            )
        return fit

    def variants(self) -> list[str]:
        tags = dict.fromkeys(t for r in self.releases for t in self.tags(r))
        tags.update(dict.fromkeys(f"rocm{v}" for r in self.releases for v in r.rocm))
        return [*tags, *(["xpu"] if any(r.xpu for r in self.releases) else [])]

    def cpu_candidates(self, headline: str) -> list[Candidate]:
        here, table = self.here, self.table
        from_index = here.platform in table.cpu_index_platforms
        where = (
            " It comes from PyTorch's CPU index, not the multi-gigabyte CUDA build that plain PyPI serves on Linux."
            if from_index and not here.custom_index
            else ""
            if from_index
            else " It comes from PyPI."
        )
        return [
            self.candidate(
                "cpu",
                "cpu",
                f"{headline}.{where}",
                self.packages(i, rel, False),
                rel,
                "cpu" if from_index else None,
                f"torch {rel.version} (CPU)",
                False,
            )
            for i, rel in enumerate(self.releases)
        ]

    def candidates(self) -> list[Candidate]:
        here, a = self.here, self.here.accelerator
        if here.platform not in self.table.platforms or not self.releases:
            raise RequestError(
                f"{self.title} publishes no wheels for {here.platform}" + self.macos_note(),
                "see pytorch.org/get-started for the platforms it supports",
            )
        if here.forced_tag:
            return self.forced_candidates()
        gpu: list[Candidate] = []
        missing: list[NoGpu] = []
        paths = (
            (("auto", "cuda"), bool(here.nv_gpus), self.cuda_candidates),
            (("auto", "rocm"), bool(here.amd_gpus), self.rocm_candidates),
            (("auto", "xpu"), bool(here.intel_gpus), self.xpu_candidates),
            (("auto", "mps"), here.platform in self.table.mps_platforms, self.mps_candidates),
        )
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
