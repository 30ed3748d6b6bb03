"""The catalog: frameworks, profiles and build tables, kept as data in assets/catalog.json.

A new framework or torch release is a data change; this module only gives the data types.
"""

from __future__ import annotations

from functools import lru_cache
import msgspec

from wizard.paths import asset


class Framework(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str
    summary: str
    packages: list[str]                 # pip requirement strings installed for it
    imports: list[str]                  # modules the verification imports
    python: str = ">=3.9"               # PEP 440 specifier of the Pythons it supports (with builds: any release)
    needs: list[str] = []               # other framework ids it cannot work without
    builds: str | None = None           # id of its build table, when the build depends on the hardware
    size_mb: int = 50                   # installed size estimate (frameworks with builds: per variant in the table)
    source: str = ""                    # where the figures came from


class Profile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str
    summary: str
    frameworks: list[str]


# ---- build tables (read by wizard.builds; docs/builds.md explains them) --------------------------


class Pythons(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The CPython minors the catalog knows, oldest first: what conda may create, what hints name."""

    versions: list[str]
    source: str


class DriverRow(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The oldest NVIDIA driver that runs every CUDA build of one major version."""

    cuda: int                           # CUDA major version, e.g. 12
    linux: str                          # "525.60.13"
    windows: str                        # "528.33"; also WSL2, whose driver is the Windows one
    source: str


class CudaBuild(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A CUDA build tag (cu126, ...) and the GPU architectures compiled into it."""

    cuda: str                           # toolkit version, "12.6"
    archs: list[str]                    # compute capabilities with code in the build, "8.6"
    source: str


class TorchRelease(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    version: str                        # "2.11": pinned as torch==2.11.*
    python: str                         # PEP 440 specifier of the Pythons it has wheels for
    cuda: list[str]                     # CUDA build tags on the index, oldest first
    rocm: list[str] = []                # ROCm versions with a build (tag rocm<version>), oldest first
    pypi_linux: str                     # the CUDA build plain `pip install torch` gives on Linux
    archs: dict[str, list[str]] = {}    # per-tag architecture lists where this release differs from cuda_builds
    source: str


class IndexTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag="index"):
    """A framework whose GPU builds live on their own package indexes (PyTorch)."""

    package: str                        # pip name, "torch"
    index_url: str                      # with {tag}: cpu, cu128, rocm6.4
    platforms: list[str]                # os-arch keys with any wheel ("linux-x86_64", "wsl-x86_64", ...)
    cuda_platforms: list[str]
    rocm_platforms: list[str]
    mps_platforms: list[str]
    cpu_index_platforms: list[str]      # where PyPI's build is not the CPU one, so CPU comes from {tag}=cpu
    releases: list[TorchRelease]        # newest first
    sizes_mb: dict[str, int]            # installed size per variant family: cpu, cuda, rocm, mps
    sizes_source: str
    source: str


class ExtrasRelease(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    version: str                        # "2.20"
    python: str
    pin: str | None = None              # specifier when it is a range of releases; default ==<version>.*
    source: str


class GpuVariant(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A GPU build installed through a pip extra from the ordinary index (tensorflow[and-cuda])."""

    variant: str                        # "cuda12"
    requirement: str                    # "jax[cuda12]"
    cuda: int                           # CUDA major it brings: the driver must run it (cuda_drivers)
    min_cc: str                         # every GPU must have at least this compute capability
    platforms: list[str]
    caveats: dict[str, str] = {}        # platform -> a warning for the why
    source: str


class ExtrasTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag="extras"):
    """A framework whose GPU builds are extras on PyPI (TensorFlow, JAX)."""

    cpu: str                            # the requirement of the CPU build
    gpu: list[GpuVariant]               # newest CUDA first
    no_gpu: dict[str, str] = {}         # os or os-arch -> why there is no GPU build there
    releases: list[ExtrasRelease]       # newest first
    sizes_mb: dict[str, int]            # per variant ("cpu", "cuda12", ...)
    sizes_source: str


class Builds(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pythons: Pythons
    cuda_drivers: list[DriverRow]       # newest CUDA first
    cuda_builds: dict[str, CudaBuild]
    tables: dict[str, IndexTable | ExtrasTable]   # by Framework.builds


class Catalog(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    frameworks: dict[str, Framework]
    profiles: dict[str, Profile]
    builds: Builds
    sources: dict[str, str] = {}


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The shipped catalog (cached: it is read-only data)."""
    return msgspec.json.decode(asset("catalog.json").read_bytes(), type=Catalog)


def expand(catalog: Catalog, profile: str | None, frameworks: list[str]) -> list[str]:
    """Profile + frameworks → ordered, de-duplicated framework ids, each framework's needs first."""
    wanted = [*(catalog.profiles[profile].frameworks if profile else []), *frameworks]
    out: list[str] = []

    def add(fid: str) -> None:
        if fid in out:
            return
        for need in catalog.frameworks[fid].needs:
            add(need)
        out.append(fid)

    for fid in wanted:
        add(fid)
    return out
