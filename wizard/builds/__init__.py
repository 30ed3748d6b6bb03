"""Which build of each framework runs on this machine, and one readable sentence of why.

`candidates` ranks, per framework, every build that runs on this hardware, best first: GPU builds
(newest release, within it the newest CUDA the driver supports), then CPU builds. The modules keep
apart the facts about the hardware (hardware.py), the choice among ranked candidates (choice.py) and
each family's tables (pytorch.py; extras.py for TensorFlow and JAX; follows.py for torchvision and
torchaudio; kernels.py for bitsandbytes). The tables are data in
assets/catalog.json (docs/builds.md); nothing here probes the machine or the network.
"""

from __future__ import annotations

from wizard.builds.choice import ACCELERATOR_HINT, BuildOptions, Candidate, check_accelerator, python_span
from wizard.builds.extras import Extras
from wizard.builds.follows import family_requirements, follow
from wizard.builds.hardware import Here, min_driver, platform_key
from wizard.builds.kernels import kernels
from wizard.builds.pytorch import Torch
from wizard.catalog import Catalog, ExtrasTable, FollowTable, IndexTable, KernelsTable
from wizard.machine import Machine
from wizard.plan import Decision

__all__ = [
    "ACCELERATOR_HINT",
    "BuildOptions",
    "Candidate",
    "candidates",
    "decide",
    "family_pins",
    "min_driver",
    "platform_key",
    "python_span",
]


def candidates(frameworks: list[str], machine: Machine, accelerator: str, catalog: Catalog, custom_index: bool) -> BuildOptions:
    """Every framework's builds that run here, best first; RequestError when an explicit accelerator
    cannot be served or a framework has no build for this platform at all."""
    here = Here(machine, accelerator, catalog, custom_index)
    check_accelerator(here)
    ranked: dict[str, tuple[Candidate, ...]] = {}
    for fid in frameworks:
        fw = catalog.frameworks[fid]
        table = catalog.builds.tables.get(fw.builds) if fw.builds else None
        if isinstance(table, IndexTable):
            ranked[fid] = tuple(Torch(fid, table, here).candidates())
        elif isinstance(table, ExtrasTable):
            ranked[fid] = tuple(Extras(fid, fw, table, here).candidates())
        elif isinstance(table, KernelsTable):
            ranked[fid] = kernels(fid, fw, table, here)
        elif isinstance(table, FollowTable):
            ranked[fid] = follow(fid, table, _leader(table, ranked, here), fw.size_mb)
        else:
            ranked[fid] = (
                Candidate(
                    Decision(
                        fid,
                        "default",
                        "From the package index; no hardware-specific build.",
                        tuple(fw.packages),
                        None,
                        fw.python,
                        fw.size_mb,
                    ),
                    fw.title,
                    False,
                ),
            )
    return BuildOptions(
        ranked, {fid: catalog.frameworks[fid].title for fid in frameworks}, tuple(catalog.builds.pythons.versions)
    )


def _leader(table: FollowTable, ranked: dict[str, tuple[Candidate, ...]], here: Here) -> tuple[Candidate, ...]:
    """The builds of the framework a follower follows: already ranked (its `needs` put it first), or ranked
    now when the follower is asked about alone (the frameworks screen asks one framework at a time)."""
    lead = next(f for f, fw in here.catalog.frameworks.items() if fw.builds == table.follows)
    if lead in ranked:
        return ranked[lead]
    leader_table = here.catalog.builds.tables[table.follows]
    assert isinstance(leader_table, IndexTable)
    return tuple(Torch(lead, leader_table, here).candidates())


def decide(
    frameworks: list[str], machine: Machine, accelerator: str, catalog: Catalog, custom_index: bool, python: str | None = None
) -> list[Decision]:
    """One Decision per framework for this Python (None: the best this hardware allows, whatever the Python)."""
    return candidates(frameworks, machine, accelerator, catalog, custom_index).pick(python)


def family_pins(packages: list[str], torch: Decision, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Extra requirements split into PyTorch's family (torchvision, torchaudio: pinned to torch's release, for
    torch's index) and the rest, so they are never built for another CUDA than torch."""
    tables = [t for t in catalog.builds.tables.values() if isinstance(t, FollowTable)]
    return family_requirements(packages, torch, tables)
