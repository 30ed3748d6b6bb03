"""bitsandbytes: one PyPI wheel per platform carrying CUDA kernels for a range of compute capabilities.

It uses torch's CUDA, so its own choice is only whether its kernels can run on the GPUs here: below
the floor (6.0) it would load and then fail on the first quantised layer.
"""

from __future__ import annotations

from wizard.builds.choice import Candidate, NoGpu, refuse
from wizard.builds.hardware import Here, cc_key, gpus_text
from wizard.catalog import Framework, KernelsTable
from wizard.plan import Decision
from wizard.problems import RequestError


def kernels(fid: str, fw: Framework, table: KernelsTable, here: Here) -> tuple[Candidate, ...]:
    """The one build of this package, with the reason its GPU kernels do or do not serve this machine."""
    if here.platform not in table.platforms:
        raise RequestError(
            f"{fw.title} publishes no wheels for {here.platform}", f"leave {fw.title} out of this selection on this machine"
        )
    low = [g for g in here.nv_gpus if g.compute_capability and cc_key(g.compute_capability) < cc_key(table.min_cc)]
    note = f" {table.notes[here.platform]}." if here.platform in table.notes else ""
    if low:
        reason = f"its CUDA kernels need compute capability ≥ {table.min_cc}, which {gpus_text(low)} lacks"
        if here.family == "cuda":
            raise refuse(here, fw.title, NoGpu(reason, "leave it out, or use a GPU of compute capability 6.0 or newer"))
        why, variant, gpu = f"CPU only: {reason}; it installs, but quantised layers cannot run on that GPU.", "cpu", False
    elif here.nv_gpus and here.driver and here.platform in table.cuda_platforms:
        why, variant, gpu = (
            (
                f"From PyPI; its wheel carries CUDA kernels for compute capability ≥ {table.min_cc} and uses "
                f"PyTorch's CUDA ({gpus_text(here.nv_gpus)}).{note}"
            ),
            "cuda",
            True,
        )
    else:
        why, variant, gpu = f"From PyPI; no NVIDIA GPU with a driver here, so its CPU library.{note}", "default", False
    return (Candidate(Decision(fid, variant, why, (table.package,), None, fw.python, fw.size_mb), fw.title, gpu),)
