"""TensorFlow and JAX: GPU builds installed as pip extras from PyPI (tensorflow[and-cuda], jax[cuda13])."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.builds.choice import Candidate, NoGpu, cpu_headline, jetson_no_gpu, no_driver, refuse
from wizard.builds.hardware import Here, cc_key, gpus_text, numbers
from wizard.catalog import ExtrasTable, Framework, GpuVariant
from wizard.machine import NvidiaGpu
from wizard.plan import Decision


@dataclass(frozen=True)
class Extras:
    fid: str
    fw: Framework
    table: ExtrasTable
    here: Here

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
            return f"{v.requirement} needs compute capability ≥ {v.min_cc} ({gpus_text(low)})"
        return None

    def too_old(self, v: GpuVariant) -> list[NvidiaGpu]:
        """The GPUs below the variant's minimum compute capability."""
        return [g for g in self.here.nv_gpus if g.compute_capability and cc_key(g.compute_capability) < cc_key(v.min_cc)]

    def gpu_variant(self) -> tuple[GpuVariant | None, str, NoGpu | None]:
        """The newest GPU variant that runs here with its why, or why none does."""
        here = self.here
        if here.jetson:
            return None, "", jetson_no_gpu(here, self.fw.title)
        if here.driver is None:
            return None, "", no_driver(here.nv_gpus, here.driver_min(self.table.gpu[0].cuda))
        failed: list[str] = []
        for v in self.table.gpu:
            failure = self.variant_failure(v)
            if failure:
                failed.append(failure)
                continue
            why = (
                f"{v.requirement}: driver {here.driver} runs its CUDA {v.cuda} libraries and every GPU here "
                f"({gpus_text(here.nv_gpus)}) has compute capability ≥ {v.min_cc}{here.unknown_cc_note()}"
            )
            why += (
                "".join(f"; {f}" for f in failed) + "." + (f" {v.caveats[here.platform]}." if here.platform in v.caveats else "")
            )
            return v, why, None
        # nothing runs: a newer driver helps when some variant fails on the driver alone
        fixable = [here.driver_min(v.cuda) for v in self.table.gpu if here.platform in v.platforms and not self.too_old(v)]
        fix = f"install NVIDIA driver ≥ {min(fixable, key=numbers)}" if fixable else None
        return None, "", NoGpu("; ".join(dict.fromkeys(failed)), fix)

    def releases(self, variant: str, requirement: str, why: str, gpu: bool) -> list[Candidate]:
        """One candidate per release line; older lines are pinned, for older Pythons."""
        out = []
        for i, rel in enumerate(self.table.releases):
            pin = "" if i == 0 else rel.pin or f"=={rel.version}.*"
            label = f"{self.fw.title} {rel.pin or rel.version} ({variant})"
            ft = "" if self.here.platform in rel.no_free_threaded else rel.free_threaded
            out.append(
                Candidate(
                    Decision(self.fid, variant, why, (requirement + pin,), None, rel.python, self.table.sizes_mb[variant]),
                    label,
                    gpu,
                    ft,
                )
            )
        return out

    def candidates(self) -> list[Candidate]:
        here, a = self.here, self.here.family
        if a in ("rocm", "mps", "xpu"):
            raise refuse(here, self.fw.title, None)
        if here.forced_tag and not here.nv_gpus:
            return self.unchecked()
        gpu: list[Candidate] = []
        missing = None
        other_gpu = "MPS" if here.machine.mps else "ROCm" if here.amd_gpus else "XPU" if here.intel_gpus else None
        if a != "cpu" and here.nv_gpus:
            v, why, missing = self.gpu_variant()
            if v is not None:
                gpu = self.releases(v.variant, v.requirement, why, True)
        elif a != "cpu" and other_gpu:
            missing = NoGpu(f"the catalog has no {other_gpu} build of {self.fw.title}")
        if a == "cuda":
            if not gpu:
                raise refuse(here, self.fw.title, missing)
            return gpu
        return gpu + self.releases("cpu", self.table.cpu, cpu_headline(a, missing, bool(gpu)) + ".", False)

    def unchecked(self) -> list[Candidate]:
        """A named CUDA variant (cu130) for a machine without an NVIDIA GPU (a Docker build): the extra of that CUDA major."""
        here, tag = self.here, self.here.forced_tag or ""
        major = numbers(here.catalog.builds.cuda_builds[tag].cuda)[0] if tag in here.catalog.builds.cuda_builds else None
        v = next((v for v in self.table.gpu if here.platform in v.platforms and v.cuda == major), None)
        if v is None:
            raise refuse(
                here,
                self.fw.title,
                NoGpu(
                    f"{self.fw.title} has no CUDA {major} build for {here.platform}"
                    if major
                    else f"the catalog knows no variant {tag}"
                ),
            )
        why = (
            f"{v.requirement}, as accelerator '{tag}' asks (CUDA {v.cuda}); no NVIDIA GPU here to check it against: "
            f"the deployment machine needs driver ≥ {here.driver_min(v.cuda)} and compute capability ≥ {v.min_cc}."
        )
        return self.releases(v.variant, v.requirement, why, True)
