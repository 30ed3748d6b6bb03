"""Packages built against PyTorch (torchvision, torchaudio): they come from the same index as torch and
in the release that matches the chosen torch, or they are built for another CUDA and fail at import."""

from __future__ import annotations

from dataclasses import replace

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from wizard.builds.choice import Candidate
from wizard.catalog import FollowTable
from wizard.plan import Decision


def follow(fid: str, table: FollowTable, torch: tuple[Candidate, ...], size_mb: int) -> tuple[Candidate, ...]:
    """One candidate per torch candidate: the same variant and index, this package's matching release."""
    out = []
    for c in torch:
        release = torch_release(c.decision)
        version = table.versions.get(release or "")
        pin = f"=={version}.*" if version else ""
        why = f"Follows PyTorch's build: {c.decision.variant}" + (
            f" from the same index, {table.package} {version} for torch {release}." if version else "."
        )
        d = Decision(fid, c.decision.variant, why, (table.package + pin,), c.decision.index_url, c.decision.python, size_mb)
        out.append(replace(c, decision=d, label=f"{table.package} with {c.label}"))
    return tuple(out)


def torch_release(d: Decision) -> str | None:
    """'torch==2.14.*' → '2.14'; an open 'torch' → None."""
    req = d.packages[0] if d.packages else ""
    return req.split("==", 1)[1].rstrip(".*") if "==" in req else None


def family_requirements(packages: list[str], torch: Decision, tables: list[FollowTable]) -> tuple[list[str], list[str]]:
    """Split extra requirements into those of PyTorch's family (pinned to torch's release, for torch's index)
    and the rest, so `packages: ["torchvision"]` never comes from PyPI next to a CUDA-index torch."""
    by_name = {t.package: t for t in tables}
    family, rest = [], []
    release = torch_release(torch)
    for req in packages:
        parsed = Requirement(req)
        table = by_name.get(canonicalize_name(parsed.name))
        if table is None:
            rest.append(req)
            continue
        version = table.versions.get(release or "")
        family.append(f"{table.package}=={version}.*" if version and not parsed.specifier else req)
    return family, rest
