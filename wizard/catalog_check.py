"""`python -m wizard catalog check`: what the indexes publish that the catalog does not know yet.

A torch release is mostly data (docs/catalog.md): its Pythons, its variants and where they live. This
asks PyPI (PEP 691 JSON) which torch releases exist for which Python, and PyTorch's per-variant indexes
(download.pytorch.org/whl/<variant>/, PEP 691 JSON or PEP 503 HTML) which releases each variant holds,
plus the next few variant names after the newest the catalog knows (cu134 after cu132), and reports each
gap: a newer torch, a variant the catalog does not list, a Python it does not know. Architecture lists
are not in any index; a new release's still need checking by hand.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from wizard.catalog import Catalog, IndexTable
from wizard.index_pages import ACCEPT, IndexFile, parse_listing
from wizard.problems import InputError, Problem, RequestError
from wizard.redact import is_private_url, redact_url

if TYPE_CHECKING:
    import httpx

PYPI_SIMPLE = "https://pypi.org/simple/"
TIMEOUT_S = 20.0
PACKAGE = "torch"


@dataclass(frozen=True)
class Finding:
    """One thing the catalog lacks: a release, a variant or a Python, and what the index shows."""

    kind: Literal["release", "variant", "python"]
    what: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def release_pythons(files: list[IndexFile]) -> dict[str, set[str]]:
    """torch wheels → {'2.15': {'3.11', ..., '3.14t'}}: the CPython minors (t: free-threaded) per release."""
    out: dict[str, set[str]] = defaultdict(set)
    for f in files:
        try:
            _, version, _, tags = parse_wheel_filename(f.filename)
        except (InvalidWheelFilename, InvalidVersion):
            continue
        release = f"{version.major}.{version.minor}"
        for tag in tags:
            if tag.interpreter.startswith("cp") and tag.interpreter[2:3].isdigit():
                digits, ft = tag.interpreter[2:].rstrip("t"), tag.interpreter.endswith("t")
                out[release].add(f"{digits[0]}.{digits[1:]}" + ("t" if ft else ""))
    return out


def next_variants(table: IndexTable, catalog: Catalog) -> list[str]:
    """The variant names that would come next: two CUDA minors and the next major, the same for ROCm."""
    cuda = max((Version(b.cuda) for b in catalog.builds.cuda_builds.values()), default=Version("12.0"))
    rocm = max((Version(v) for r in table.releases for v in r.rocm), default=Version("7.0"))
    return [
        f"cu{cuda.major}{cuda.minor + 1}",
        f"cu{cuda.major}{cuda.minor + 2}",
        f"cu{cuda.major + 1}0",
        f"rocm{rocm.major}.{rocm.minor + 1}",
        f"rocm{rocm.major}.{rocm.minor + 2}",
        f"rocm{rocm.major + 1}.0",
    ]


def check_index_url(url: str, option: str) -> None:
    """An index URL from the command line: http(s) with a host, or InputError naming the option (exit 2)."""
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)
    except ValueError:
        ok = False
    if not ok:
        raise InputError(
            "command line",
            [Problem(option, f"{redact_url(url)!r} is not an http(s) URL with a host", "e.g. https://download.pytorch.org/whl/")],
        )


def _span(versions: set[str]) -> str:
    return ", ".join(sorted(versions, key=lambda v: (Version(v.rstrip("t")), v.endswith("t"))))


def _fetch(client: httpx.Client, base: str, project: str) -> list[IndexFile] | None:
    """A project's files on one index; None when the index has no such project (404)."""
    import httpx

    url = base.rstrip("/") + f"/{project}/"
    try:
        r = client.get(url, headers={"Accept": ACCEPT})
    except httpx.HTTPError as exc:
        raise RequestError(
            f"cannot reach {redact_url(url)}: {type(exc).__name__}",
            "check the network and proxy settings (HTTPS_PROXY), or give --index / --pypi",
        ) from None
    if r.status_code == 404:
        return None
    if r.status_code >= 400:
        raise RequestError(f"{redact_url(url)} answered HTTP {r.status_code}", "try again later")
    try:
        return parse_listing(r.headers.get("content-type", ""), r.text)
    except ValueError as exc:
        raise RequestError(
            f"{redact_url(url)} did not answer with an index page: {exc}",
            "check that --index / --pypi name a package index (PEP 503 or PEP 691)",
        ) from None


def check(catalog: Catalog, pypi: str, index: str) -> list[Finding]:
    """Every gap between the catalog's PyTorch table and what PyPI and PyTorch's indexes publish."""
    import httpx

    table = catalog.builds.tables["pytorch"]
    assert isinstance(table, IndexTable)
    listed = {r.version: r for r in table.releases}
    newest = max(listed, key=Version)
    known_variants = [
        *catalog.builds.cuda_builds,
        *dict.fromkeys(f"rocm{v}" for r in table.releases for v in r.rocm),
        *(["xpu"] if table.xpu_platforms else []),
        "cpu",
    ]
    variants = [*known_variants, *next_variants(table, catalog)]
    with httpx.Client(timeout=TIMEOUT_S, follow_redirects=True) as client, ThreadPoolExecutor(max_workers=6) as pool:
        on_pypi = pool.submit(_fetch, client, pypi, PACKAGE)
        per_variant = dict(
            zip(variants, pool.map(lambda v: _fetch(client, index.rstrip("/") + f"/{v}", PACKAGE), variants), strict=True)
        )
        pypi_files = on_pypi.result() or []
    found: list[Finding] = []
    pythons = release_pythons(pypi_files)
    new_releases = sorted((r for r in pythons if Version(r) > Version(newest)), key=Version)
    variants_of: dict[str, list[str]] = defaultdict(list)
    for variant, files in per_variant.items():
        for release in release_pythons(files or []):
            variants_of[release].append(variant)
    for release in new_releases:
        where = f"; variants on PyTorch's index: {', '.join(variants_of[release])}" if variants_of[release] else ""
        found.append(
            Finding(
                "release",
                f"torch {release}",
                f"on PyPI for Python {_span(pythons[release])}; the catalog's newest is {newest}{where}",
            )
        )
    known_pythons = set(catalog.builds.pythons.versions)
    unknown = {p.rstrip("t") for ps in pythons.values() for p in ps} - known_pythons
    for minor in sorted(unknown, key=Version):
        has = sorted((r for r, ps in pythons.items() if minor in ps), key=Version)
        found.append(
            Finding(
                "python",
                f"Python {minor}",
                f"torch {', '.join(has)} has wheels for it; the catalog's Pythons end at {catalog.builds.pythons.versions[-1]}",
            )
        )
    for release, rel in listed.items():
        missed = {
            p
            for p in pythons.get(release, set())
            if not p.endswith("t") and not SpecifierSet(rel.python).contains(Version(p), prereleases=True)
        }
        if missed:
            found.append(
                Finding(
                    "python",
                    f"torch {release} on Python {_span(missed)}",
                    f"PyPI has wheels; the catalog gives torch {release} python {rel.python!r}",
                )
            )
    for variant, files in per_variant.items():
        releases = release_pythons(files or [])
        if variant not in known_variants and releases:
            found.append(
                Finding(
                    "variant",
                    variant,
                    f"{index.rstrip('/')}/{variant}/ holds torch {_span(set(releases))}; the catalog has no such variant",
                )
            )
            continue
        for release in sorted(set(releases) & set(listed), key=Version):
            rel = listed[release]
            if variant not in (*rel.cuda, *(f"rocm{v}" for v in rel.rocm), *(["xpu"] if rel.xpu else []), "cpu"):
                found.append(
                    Finding(
                        "variant",
                        f"torch {release} {variant}",
                        f"{index.rstrip('/')}/{variant}/ holds it; the catalog's torch {release} does not list it",
                    )
                )
    return found


def newer_torch_note(catalog: Catalog, files: list[IndexFile]) -> str | None:
    """A plan note when an index lists a torch release newer than the catalog knows (files: its torch listing).
    The plan keeps the catalog's newest checked build: a new release's architectures are not guessed."""
    table = catalog.builds.tables["pytorch"]
    assert isinstance(table, IndexTable)
    newest = max((r.version for r in table.releases), key=Version)
    newer = sorted((r for r in release_pythons(files) if Version(r) > Version(newest)), key=Version)
    if not newer:
        return None
    return (
        f"The index has torch {newer[-1]}, newer than the catalog's {newest}; the plan keeps the newest build the "
        f"catalog has checked for this machine. `python -m wizard catalog check` lists what the catalog lacks."
    )


def newer_torch_soon(catalog: Catalog, index: str, wait_s: float = 3.0) -> Callable[[], str | None]:
    """Read the torch listing of the index a run installs torch from, in the background (while the
    resolution runs), and return a function giving `newer_torch_note` for it. The note is advice: an
    index that cannot be read in `wait_s` from the start, or carries credentials, gives no note and
    holds nothing up (httpx, not pip: pip has no command that lists a project's releases)."""
    found: list[str | None] = []
    start = time.monotonic()

    def read() -> None:
        import httpx

        try:
            with httpx.Client(timeout=wait_s, follow_redirects=True) as client:
                found.append(newer_torch_note(catalog, _fetch(client, index, PACKAGE) or []))
        except (RequestError, httpx.HTTPError, OSError):
            found.append(None)

    if is_private_url(index) or urlsplit(index).scheme not in ("http", "https"):
        return lambda: None
    reader = threading.Thread(target=read, name="torch-listing", daemon=True)  # never keeps the process alive
    reader.start()

    def note() -> str | None:
        reader.join(max(0.0, wait_s - (time.monotonic() - start)))
        return found[0] if found else None

    return note
