"""The catalog: frameworks, profiles and build tables, kept as data in assets/catalog.json.

A new framework or torch release is a data change; this module only gives the data types.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import msgspec

from wizard.jsonfile import read_json
from wizard.paths import asset
from wizard.validation import convert


class Framework(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str
    summary: str
    packages: list[str]  # pip requirement strings installed for it
    imports: list[str]  # modules the verification imports
    python: str = ">=3.9"  # PEP 440 specifier of the Pythons it supports (with builds: any release)
    needs: list[str] = []  # other framework ids it cannot work without
    builds: str | None = None  # id of its build table, when the build depends on the hardware
    size_mb: int = 50  # installed size estimate (frameworks with builds: per variant in the table)
    source: str = ""  # where the figures came from


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

    cuda: int  # CUDA major version, e.g. 12
    linux: str  # "525.60.13"
    windows: str  # "528.33"; also WSL2, whose driver is the Windows one
    source: str


class CudaBuild(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A CUDA build tag (cu126, ...) and the GPU architectures compiled into it."""

    cuda: str  # toolkit version, "12.6"
    archs: list[str]  # compute capabilities with code in the build, "8.6" (Linux x86_64, Windows)
    archs_aarch64: list[str] = []  # the same for Linux aarch64 (SBSA: GH200, GB200, GB10); empty: no such build
    source: str


class RocmBuild(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A ROCm build (tag rocm<version>) and the gfx targets compiled into it."""

    gfx: list[str]  # "gfx942"; a card outside the list has no code in the wheel
    source: str


class TorchRelease(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    version: str  # "2.11": pinned as torch==2.11.*
    python: str  # PEP 440 specifier of the Pythons it has wheels for
    cuda: list[str]  # CUDA build tags on the index, oldest first
    rocm: list[str] = []  # ROCm versions with a build (tag rocm<version>, keys of rocm_builds), oldest first
    xpu: bool = False  # an Intel GPU build on whl/xpu
    pypi: dict[str, str]  # platform with wheels -> the build plain `pip install torch` gives there (cu130, cpu, mps)
    macos_min: str | None = None  # oldest macOS its darwin-arm64 wheels install on ("14.0")
    free_threaded: str = ""  # PEP 440 specifier of the free-threaded (3.14t) minors with wheels; "": none
    archs: dict[str, list[str]] = {}  # per-tag architecture lists where this release differs from cuda_builds
    source: str


class IndexTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag="index"):
    """A framework whose GPU builds live on their own package indexes (PyTorch)."""

    package: str  # pip name, "torch"
    index_url: str  # with {tag}: cpu, cu128, rocm6.4
    platforms: list[str]  # os-arch keys with any wheel ("linux-x86_64", "wsl-x86_64", ...)
    cuda_platforms: list[str]
    rocm_platforms: list[str]
    mps_platforms: list[str]
    xpu_platforms: list[str] = []
    cpu_index_platforms: list[str]  # where PyPI's build is not the CPU one, so CPU comes from {tag}=cpu
    releases: list[TorchRelease]  # newest first
    sizes_mb: dict[str, int]  # installed size per variant family: cpu, cuda, rocm, mps, xpu
    sizes_source: str
    source: str


class ExtrasRelease(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    version: str  # "2.20"
    python: str
    pin: str | None = None  # specifier when it is a range of releases; default ==<version>.*
    free_threaded: str = ""  # PEP 440 specifier of the free-threaded minors with wheels; "": none
    no_free_threaded: list[str] = []  # platforms without those free-threaded wheels
    source: str


class GpuVariant(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A GPU build installed through a pip extra from the ordinary index (tensorflow[and-cuda])."""

    variant: str  # "cuda12"
    requirement: str  # "jax[cuda12]"
    cuda: int  # CUDA major it brings: the driver must run it (cuda_drivers)
    min_cc: str  # every GPU must have at least this compute capability
    platforms: list[str]
    caveats: dict[str, str] = {}  # platform -> a warning for the why
    source: str


class ExtrasTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag="extras"):
    """A framework whose GPU builds are extras on PyPI (TensorFlow, JAX)."""

    cpu: str  # the requirement of the CPU build
    gpu: list[GpuVariant]  # newest CUDA first
    no_gpu: dict[str, str] = {}  # os or os-arch -> why there is no GPU build there
    releases: list[ExtrasRelease]  # newest first
    sizes_mb: dict[str, int]  # per variant ("cpu", "cuda12", ...)
    sizes_source: str


class FollowTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag="follows"):
    """A package built against PyTorch (torchvision, torchaudio): same index, the version matching torch's."""

    package: str  # pip name, "torchvision"
    follows: str  # the table it follows, "pytorch"
    versions: dict[str, str]  # torch release -> this package's matching release ("2.15" -> "0.30")
    source: str


class KernelsTable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag="kernels"):
    """A package from PyPI whose GPU kernels need a minimum compute capability (bitsandbytes)."""

    package: str
    min_cc: str  # its CUDA kernels need at least this compute capability
    platforms: list[str]  # platforms with any wheel
    cuda_platforms: list[str]  # platforms whose wheel carries CUDA kernels
    notes: dict[str, str] = {}  # platform -> what its wheel does there
    source: str


class Builds(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pythons: Pythons
    cuda_drivers: list[DriverRow]  # newest CUDA first
    cuda_builds: dict[str, CudaBuild]
    rocm_builds: dict[str, RocmBuild] = {}  # by ROCm version ("7.2")
    tables: dict[str, IndexTable | ExtrasTable | FollowTable | KernelsTable]  # by Framework.builds


class Catalog(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    frameworks: dict[str, Framework]
    profiles: dict[str, Profile]
    builds: Builds
    sources: dict[str, str] = {}


_user_catalog: list[Catalog] = []  # set once by `--catalog FILE`


@lru_cache(maxsize=1)
def _shipped() -> Catalog:
    return msgspec.json.decode(asset("catalog.json").read_bytes(), type=Catalog)


def load_catalog() -> Catalog:
    """The catalog in use: the user's own file given with `--catalog`, else the shipped one (cached: read-only data)."""
    return _user_catalog[-1] if _user_catalog else _shipped()


def use_catalog_file(path: Path) -> Catalog:
    """Make a user's catalog file (a newer one than shipped) the catalog for this process, once it validates."""
    catalog = read_catalog(path)
    _user_catalog.append(catalog)
    return catalog


def read_catalog(path: Path) -> Catalog:
    """A user's own catalog file (a newer one than shipped): validated like any input, every problem at once (exit 2)."""
    return convert(read_json(path, "catalog file"), Catalog, str(path))


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
