"""The catalog: frameworks, profiles and build tables, kept as data in assets/catalog.json.

A new framework or torch release is a data change; this module only gives the data types.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import msgspec

from wizard.paths import asset


class Framework(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str
    summary: str
    packages: list[str]                 # pip requirement strings installed for it
    imports: list[str]                  # modules the verification imports
    python: str = ">=3.9"               # PEP 440 specifier of the Pythons it supports (latest release)
    needs: list[str] = []               # other framework ids it cannot work without
    builds: str | None = None           # id of its build table, when the build depends on the hardware
    size_mb: int = 50                   # installed size estimate, for the disk preflight
    source: str = ""                    # where the figures came from


class Profile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str
    summary: str
    frameworks: list[str]


class Catalog(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    frameworks: dict[str, Framework]
    profiles: dict[str, Profile]
    builds: dict[str, Any] = {}         # build tables, read by wizard.builds
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
