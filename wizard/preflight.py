"""Preflight: refuse what cannot work before anything changes (exit 2, nothing created).

`check_disk` is pure and runs inside the planner, so `--dry-run` refuses too little disk as well.
`check_indexes` asks the package indexes the plan uses whether each top-level requirement has a
file for this platform and Python. It is network, so it runs only at the start of a real run
(`engine.Execution.run`, headless and full-screen alike); `--dry-run` and the TUI's review stay
offline and fast.
Offline installs skip it: their find_links folders only have to exist.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging import tags
from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (InvalidSdistFilename, InvalidWheelFilename, canonicalize_name, parse_sdist_filename,
                             parse_wheel_filename)
from packaging.version import Version

from wizard.answers import Answers
from wizard.machine import Machine
from wizard.plan import Decision, Plan
from wizard.problems import RequestError
from wizard.redact import expand_env_refs, redact_text, redact_url

if TYPE_CHECKING:
    import httpx

PYPI_SIMPLE = "https://pypi.org/simple/"
CONNECT_TIMEOUT_S = 5.0          # an index that does not answer this fast is reported, not waited on
READ_TIMEOUT_S = 30.0            # PyPI's page for torch is several MB
ENV_OVERHEAD_MB = {"venv": 30, "conda": 200, "existing": 0}   # a fresh venv; conda's own Python and pip
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
MANYLINUX_GLIBC_MINORS = range(39, 4, -1)   # manylinux_2_39 … 2_5: the target's glibc is unknown, so be generous
MACOS_NEWEST = (26, 0)                      # likewise the target's macOS: every macosx tag up to this one


# ---- disk -------------------------------------------------------------------------------------------


def disk_needed(decisions: tuple[Decision, ...] | list[Decision], env_kind: str) -> int:
    """Bytes the setup needs: each chosen build's estimate plus the environment itself."""
    return (sum(d.size_mb for d in decisions) + ENV_OVERHEAD_MB.get(env_kind, 0)) * 1_000_000


def check_disk(needed: int, free: int | None, where: str) -> None:
    """Refuse with both numbers when the free space is known and too small."""
    if free is not None and needed > free:
        raise RequestError(f"not enough disk space at {where}: this setup needs about {needed / 1e9:.1f} GB, "
                           f"{free / 1e9:.1f} GB is free", "free some space or choose a path on another disk")


# ---- what the target interpreter installs ------------------------------------------------------------


def _platforms(machine: Machine) -> list[str]:
    arch = machine.arch.lower()
    if machine.os == "windows":
        return ["win_arm64"] if arch in ("arm64", "aarch64") else ["win_amd64"]
    if machine.os == "darwin":
        return list(tags.mac_platforms(MACOS_NEWEST, "arm64" if arch in ("arm64", "aarch64") else "x86_64"))
    arch = "aarch64" if arch in ("arm64", "aarch64") else "x86_64" if arch in ("amd64", "x86_64") else arch
    legacy = [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    return [*(f"manylinux_2_{m}_{arch}" for m in MANYLINUX_GLIBC_MINORS), *legacy, f"linux_{arch}"]


def target_tags(machine: Machine, python_version: str) -> frozenset[Tag]:
    """The wheel tags a CPython of this version on this machine accepts."""
    v = Version(python_version)
    pyver = (v.major, v.minor)
    platforms = _platforms(machine)
    abi = f"cp{v.major}{v.minor}"
    return frozenset([*tags.cpython_tags(pyver, [abi], platforms), *tags.compatible_tags(pyver, abi, platforms)])


def _marker_env(machine: Machine, python_version: str) -> dict[str, str]:
    v = Version(python_version)
    system = {"linux": "Linux", "darwin": "Darwin", "windows": "Windows"}[machine.os]
    return {"python_version": f"{v.major}.{v.minor}", "python_full_version": python_version,
            "sys_platform": {"linux": "linux", "darwin": "darwin", "windows": "win32"}[machine.os],
            "platform_system": system, "os_name": "nt" if machine.os == "windows" else "posix",
            "platform_machine": machine.arch, "implementation_name": "cpython",
            "platform_python_implementation": "CPython"}


# ---- index pages (PEP 691 JSON, PEP 503 HTML) ------------------------------------------------------


@dataclass(frozen=True)
class IndexFile:
    filename: str
    requires_python: str | None = None
    yanked: bool = False


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[IndexFile] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        a = dict(attrs)
        name = unquote(urlsplit(a.get("href") or "").path.rsplit("/", 1)[-1])
        if name:
            self.files.append(IndexFile(name, a.get("data-requires-python") or None, "data-yanked" in a))


def parse_listing(content_type: str, body: str) -> list[IndexFile]:
    """A project page's files, from PEP 691 JSON or PEP 503 HTML."""
    if "json" in content_type:
        return [IndexFile(f["filename"], f.get("requires-python"), bool(f.get("yanked")))
                for f in json.loads(body).get("files", [])]
    parser = _Links()
    parser.feed(body)
    return parser.files


def verdict(files: list[IndexFile], req: Requirement, accepted: frozenset[Tag], python: str) -> str | None:
    """'wheel' when a file installs here as is, 'sdist' when only a source build would, else None.
    Pre-releases count only when no final release matches, as pip does."""
    py = Version(python)
    wheels: set[Version] = set()
    sdists: set[Version] = set()
    for f in files:
        if f.yanked:
            continue
        try:
            if f.requires_python and not SpecifierSet(f.requires_python).contains(py, prereleases=True):
                continue
        except InvalidSpecifier:
            pass   # pip ignores a malformed Requires-Python too
        try:
            if f.filename.endswith(".whl"):
                _, version, _, file_tags = parse_wheel_filename(f.filename)
                if file_tags & accepted:
                    wheels.add(version)
            elif f.filename.endswith((".tar.gz", ".zip")):
                sdists.add(parse_sdist_filename(f.filename)[1])
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
    allowed = set(req.specifier.filter(wheels | sdists))
    return "wheel" if wheels & allowed else "sdist" if sdists & allowed else None


# ---- the check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    text: str                    # as the plan writes it
    req: Requirement
    indexes: tuple[str, ...]     # as written in the answers: may hold ${VAR}s, shown redacted


@dataclass(frozen=True)
class _Result:
    job: _Job
    found: str | None            # verdict
    where: str | None            # the index that has it
    projects_seen: bool          # some index knows the project at all


def _jobs(plan: Plan, answers: Answers, marker_env: dict[str, str], skip: frozenset[str]) -> list[_Job]:
    """Each top-level requirement with the indexes its pip step uses (a build's own index, or the default)."""
    extras = tuple(answers.index.extra_urls)
    default = (answers.index.url or PYPI_SIMPLE, *extras)
    grouped = [((d.index_url, *extras) if d.index_url else default, d.packages) for d in plan.decisions]
    grouped.append((default, tuple(answers.packages)))
    jobs: list[_Job] = []
    for indexes, packages in grouped:
        for text in packages:
            req = Requirement(text)
            if text not in skip and (req.marker is None or req.marker.evaluate(marker_env)):
                jobs.append(_Job(text, req, indexes))
    return jobs


def _fetch(client: httpx.Client, index: str, project: str) -> list[IndexFile] | None:
    """The project's files on one index; None when the index does not know it (404)."""
    import httpx

    url = expand_env_refs(index).rstrip("/") + f"/{canonicalize_name(project)}/"
    shown = redact_url(index)
    try:
        r = client.get(url, headers={"Accept": ACCEPT})
    except httpx.HTTPError as exc:
        raise RequestError(f"cannot reach the package index {shown}: {redact_text(str(exc)) or type(exc).__name__}",
                           "check the network and proxy settings (HTTPS_PROXY), or install offline "
                           "(index.offline with find_links)") from None
    if r.status_code == 404:
        return None
    if r.status_code in (401, 403):
        raise RequestError(f"the package index {shown} refused access (HTTP {r.status_code})",
                           "check the credentials in the index URL; ${VAR} references are read from the environment")
    if r.status_code >= 400:
        raise RequestError(f"the package index {shown} answered HTTP {r.status_code} for {project}",
                           "try again later, or use another index")
    return parse_listing(r.headers.get("content-type", ""), r.text)


def _check(client: httpx.Client, job: _Job, accepted: frozenset[Tag], python: str) -> _Result:
    seen = False
    fallback: _Result | None = None
    for index in job.indexes:
        files = _fetch(client, index, job.req.name)
        if files is None:
            continue
        seen = True
        found = verdict(files, job.req, accepted, python)
        if found == "wheel":
            return _Result(job, found, index, True)
        if found == "sdist" and fallback is None:
            fallback = _Result(job, found, index, True)
    return fallback or _Result(job, None, None, seen)


def _local_folders(answers: Answers) -> list[Path]:
    out = []
    for link in answers.index.find_links:
        if link.startswith("file://"):
            out.append(Path(unquote(urlsplit(link).path)))
        elif "://" not in link:
            out.append(Path(link).expanduser())
    return out


def check_indexes(plan: Plan, answers: Answers, machine: Machine, skip: frozenset[str] = frozenset()) -> list[str]:
    """Refuse (RequestError) when an index the plan uses cannot be reached, or has no file of a
    top-level requirement for this platform and Python; warnings (source builds) are returned.
    `skip`: requirements a rerun will not install again (already satisfied), left unchecked."""
    missing_folders = [str(f) for f in _local_folders(answers) if not f.is_dir()]
    if missing_folders:
        raise RequestError(f"find_links folder not found: {', '.join(missing_folders)}", "give folders that exist")
    if answers.index.offline:
        return []
    python = plan.target.python_version
    accepted = target_tags(machine, python)
    jobs = _jobs(plan, answers, _marker_env(machine, python), skip)
    if not jobs:
        return []
    import httpx   # here, not at the top: the planner imports this module for the disk check, and plans need no HTTP client

    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    with httpx.Client(timeout=timeout, follow_redirects=True) as client, ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda j: _check(client, j, accepted, python), jobs))
    here = f"Python {Version(python).major}.{Version(python).minor} on {machine.os} {machine.arch}"
    problems, warnings = [], []
    for r in results:
        where = ", ".join(redact_url(i) for i in r.job.indexes)
        if r.found is None:
            problems.append(f"{r.job.req} has no file for {here} at {where}" if r.projects_seen
                            else f"no project named {r.job.req.name!r} at {where}")
        elif r.found == "sdist":
            warnings.append(f"{r.job.req} has no wheel for {here} at {redact_url(r.where or '')}: "
                            "pip will build it from source, which needs a compiler and can take long.")
    if problems and not answers.index.find_links:
        raise RequestError("; ".join(problems), "check the names and versions, or choose a Python those packages "
                                                "support (environment.python)")
    warnings += [f"{p}; pip may still find it in find_links." for p in problems]
    return warnings
