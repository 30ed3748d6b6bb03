"""The exact environment as a PEP 751 lock file, `<env>/.wizard/pylock.toml`, asked of pip itself.

`pip lock` (pip >= 25.1) resolves requirements; it does not record an environment that exists, and
the environment's own pip is often older. So the wizard lists what is installed (a probe in the
environment) and takes each installed version's file from the run's own resolution (wizard.resolve:
pip's or uv's report, with URL and sha256); for versions it does not cover, it asks the environment's
pip which file serves each exact pin from the index the run used:
`pip install --dry-run --ignore-installed --no-deps --report`. Names, versions, file URLs and sha256
hashes all come from the installers; the wizard only writes them down.

What the standard cannot say is kept in `[tool.llm-setup-wizard]`: the interpreter and platform the
lock was taken on, the CUDA build, and the order of the indexes (a CUDA build's own index first).
Credentials never enter the file: file URLs lose their user info, index URLs keep ${VAR} references.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from wizard import proc
from wizard.answers import Index
from wizard.paths import env_meta_dir
from wizard.plan import Plan
from wizard.problems import InputError, Problem
from wizard.redact import expand_env_refs, redact_text, redact_url
from wizard.resolve import report_sha256
from wizard.runner import child_env

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LOCK_FILE = "pylock.toml"
TOOL = "llm-setup-wizard"
PYPI = "https://pypi.org/simple/"
INSTALLER_PACKAGES = frozenset({"pip"})  # the environment's installer, never part of what is locked
INSTALLED_PROBE = Path(__file__).parent / "probes" / "installed_probe.py"
PIP_TIMEOUT_S = 900.0
PROBE_TIMEOUT_S = 60.0
_CUDA_LOCAL = re.compile(r"^cu(\d+)(\d)$")


class LockError(Exception):
    """The lock could not be taken (pip too old, an index that no longer serves a pin)."""


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str
    file: str  # the wheel's or sdist's file name
    sha256: str
    url: str | None = None  # where pip found it (no credentials)
    path: str | None = None  # a local file (a find-links folder)
    index: str | None = None  # the index that served it (credentials only as ${VAR})
    sdist: bool = False

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class Lock:
    python: str  # full version of the interpreter it was taken on
    sys_platform: str
    platform_machine: str
    packages: tuple[LockedPackage, ...]
    indexes: tuple[str, ...] = ()  # in pip's order: the first is --index-url
    find_links: tuple[str, ...] = ()
    builds: dict[str, str] = field(default_factory=dict)  # framework -> build variant, as planned

    @property
    def python_minor(self) -> str:
        return ".".join(self.python.split(".")[:2])

    def cuda_major(self) -> int | None:
        """The CUDA major of a locked CUDA build (a `+cu128` local version), or None."""
        majors = [
            int(m.group(1))
            for p in self.packages
            if "+" in p.version
            for m in [_CUDA_LOCAL.match(p.version.split("+", 1)[1])]
            if m
        ]
        return max(majors, default=None)


# ---- taking the lock -------------------------------------------------------------------------------


def _run(argv: list[str], timeout: float, env: tuple[tuple[str, str], ...] = ()) -> proc.Finished:
    """A short child (wizard.proc) with the steps' environment plus `env`, whose ${VAR} references
    (index URLs with credentials, as planned) are expanded here; LockError when it cannot run."""
    try:
        child = {**child_env(), **{k: expand_env_refs(v) for k, v in env}}
    except KeyError as exc:
        raise LockError(f"environment variable {exc.args[0]} is not set") from None
    out = proc.run(argv, timeout, child)
    if out is None:
        raise LockError(f"{Path(argv[0]).name} could not run (missing, timed out after {timeout:.0f} s, or interrupted)")
    return out


def installed(python: str) -> dict[str, Any]:
    """The probe's view of the environment: interpreter facts and `packages` [{name, version}]."""
    out = _run([python, "-I", str(INSTALLED_PROBE)], PROBE_TIMEOUT_S)
    try:
        data = json.loads(out.stdout) if out.returncode == 0 else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise LockError(f"cannot list the installed packages: {out.stderr.strip()[-300:]}")
    return data


def _index_label(index: Index, url: str | None) -> tuple[str | None, list[str]]:
    """The index (saved form) that serves a group, and the local find-links folders."""
    local = [f for f in index.find_links if "://" not in f or f.startswith("file://")]
    if index.offline:
        return None, local
    return redact_url(url or index.url or PYPI, drop=True), local


IndexOptions = tuple[list[str], tuple[tuple[str, str], ...]]  # pip's argv options and environment


def _groups(plan: Plan, index: Index, names: list[str]) -> list[tuple[str | None, IndexOptions, list[str]]]:
    """(index URL, pip index options, package names): a build's own index serves that build's
    packages, as in the install steps; the answers' index serves everything else."""
    from wizard.planner import _index_options

    special: dict[str, set[str]] = {}
    for d in plan.decisions:
        if d.index_url:
            for p in d.packages:
                try:
                    special.setdefault(d.index_url, set()).add(canonicalize_name(Requirement(p).name))
                except InvalidRequirement:
                    continue
    taken: set[str] = set()
    groups = []
    for url, wanted in special.items():
        mine = [n for n in names if n in wanted]
        taken.update(mine)
        if mine:
            groups.append((_index_label(index, url)[0], _index_options(index, url), mine))
    rest = [n for n in names if n not in taken]
    if rest:
        groups.append((_index_label(index, None)[0], _index_options(index), rest))
    return groups


def _pip_report(python: str, options: IndexOptions, pins: list[str]) -> list[dict[str, Any]]:
    index_args, index_env = options
    with tempfile.TemporaryDirectory(prefix="wizard-lock-") as tmp:
        report = Path(tmp) / "report.json"
        argv = [
            python,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-deps",
            "--quiet",
            "--no-input",
            "--disable-pip-version-check",
            "--report",
            str(report),
            *index_args,
            *pins,
        ]
        out = _run(argv, PIP_TIMEOUT_S, index_env)
        if out.returncode != 0 or not report.is_file():
            tail = [ln for ln in (out.stderr or out.stdout).splitlines() if ln.strip()][-3:]
            raise LockError(
                "pip could not find the installed versions on the index: "
                + redact_text(" ".join(tail) or f"exit {out.returncode}")
            )
        return cast("list[dict[str, Any]]", json.loads(report.read_text("utf-8")).get("install", []))


def _package(name: str, version: str, url: str, sha256: str, index: str | None) -> LockedPackage:
    """A locked file from its URL (credentials already removed): a local file by path, else by URL and index."""
    parts = urlsplit(url)
    file = unquote(parts.path.rsplit("/", 1)[-1])
    local = parts.scheme == "file"
    return LockedPackage(
        str(canonicalize_name(name)),
        version,
        file,
        sha256,
        url=None if local else url,
        path=unquote(parts.path) if local else None,
        index=None if local else index,
        sdist=not file.endswith(".whl"),
    )


def _locked(item: dict[str, Any], index: str | None) -> LockedPackage:
    """One entry of pip's report."""
    info, meta = item["download_info"], item["metadata"]
    sha = report_sha256(info)
    if not sha:
        raise LockError(f"pip reported no sha256 for {meta['name']}")
    return _package(meta["name"], meta["version"], redact_url(info["url"], keep_env_refs=False, drop=True), sha, index)


def take_lock(plan: Plan, index: Index) -> Lock:
    """The file of every installed distribution: from the run's own resolution (the installer's
    report: URL and sha256) where it names the installed version, else asked of the environment's
    pip. LockError when neither can say."""
    python = plan.target.env_python
    facts = installed(python)
    names = [p["name"] for p in facts["packages"] if p["name"] not in INSTALLER_PACKAGES]
    versions = {p["name"]: p["version"] for p in facts["packages"]}
    known = {(p.name, p.version): p for p in plan.resolution or () if p.sha256 and p.url}
    packages: list[LockedPackage] = []
    indexes: list[str] = []
    for label, args, group in _groups(plan, index, names):
        packages += [_package(p.name, p.version, p.url, p.sha256, label) for n in group if (p := known.get((n, versions[n])))]
        ask = [f"{n}=={versions[n]}" for n in group if (n, versions[n]) not in known]
        if ask:
            packages += [_locked(item, label) for item in _pip_report(python, args, ask)]
        if label and label not in indexes:
            indexes.append(label)
    got = {(p.name, p.version) for p in packages}
    missing = [f"{n}=={versions[n]}" for n in names if (n, versions[n]) not in got]
    if missing:
        raise LockError(f"pip found other versions than the installed ones for {', '.join(missing)}")
    return Lock(
        facts["python"],
        facts["sys_platform"],
        facts["platform_machine"],
        tuple(sorted(packages, key=lambda p: p.name)),
        tuple(indexes),
        tuple(_index_label(index, None)[1]),
        {d.framework: d.variant for d in plan.decisions},
    )


# ---- the file ---------------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def to_toml(lock: Lock) -> str:
    """The lock as PEP 751 TOML (lock-version 1.0), one wheel or sdist per package."""
    env = f"sys_platform == '{lock.sys_platform}' and platform_machine == '{lock.platform_machine}'"
    lines = [
        'lock-version = "1.0"',
        f"environments = {_toml([env])}",
        f"requires-python = {_toml('==' + lock.python_minor + '.*')}",
        f'created-by = "{TOOL}"',
        "",
    ]
    for p in lock.packages:
        where = {"url": p.url} if p.url else {"path": p.path}
        file = {"name": p.file, **where, "hashes": {"sha256": p.sha256}}
        lines += ["[[packages]]", f"name = {_toml(p.name)}", f"version = {_toml(p.version)}"]
        if p.index:
            lines.append(f"index = {_toml(p.index)}")
        lines += [f"sdist = {_toml(file)}" if p.sdist else f"wheels = [{_toml(file)}]", ""]
    tool = {
        "python": lock.python,
        "sys-platform": lock.sys_platform,
        "platform-machine": lock.platform_machine,
        "indexes": list(lock.indexes),
        "find-links": list(lock.find_links),
    }
    lines += [f"[tool.{TOOL}]", *(f"{k} = {_toml(v)}" for k, v in tool.items())]
    if lock.builds:
        lines += ["", f"[tool.{TOOL}.builds]", *(f"{_key(k)} = {_toml(v)}" for k, v in sorted(lock.builds.items()))]
    return "\n".join(lines) + "\n"


def _file_entry(pkg: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if pkg.get("wheels"):
        return pkg["wheels"][0], False
    if isinstance(pkg.get("sdist"), dict):
        return pkg["sdist"], True
    raise KeyError("wheels")


def read_lock(path: Path) -> Lock:
    """A lock the wizard wrote; InputError (exit 2) naming the file and the place otherwise."""
    source = str(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(source, [Problem("$", "lock file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(source, [Problem("$", f"cannot read the lock file: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, [Problem("$", f"invalid TOML: {exc}")]) from None
    if data.get("lock-version") != "1.0":
        raise InputError(source, [Problem("$.lock-version", f'expected "1.0" (PEP 751), got {data.get("lock-version")!r}')])
    tool = data.get("tool", {}).get(TOOL)
    if not isinstance(tool, dict):
        raise InputError(
            source,
            [
                Problem(
                    f"$.tool.{TOOL}",
                    "missing: this lock was not written by the wizard",
                    "take one with the wizard, or install it with uv / pip >= 25.1 directly",
                )
            ],
        )
    packages = []
    for i, pkg in enumerate(data.get("packages", [])):
        try:
            f, sdist = _file_entry(pkg)
            packages.append(
                LockedPackage(
                    str(canonicalize_name(pkg["name"])),
                    str(pkg["version"]),
                    str(f["name"]),
                    str(f["hashes"]["sha256"]),
                    f.get("url"),
                    f.get("path"),
                    pkg.get("index"),
                    sdist,
                )
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise InputError(source, [Problem(f"$.packages[{i}]", f"incomplete package entry (no {exc})")]) from None
    try:
        return Lock(
            str(tool["python"]),
            str(tool["sys-platform"]),
            str(tool["platform-machine"]),
            tuple(packages),
            tuple(tool.get("indexes", [])),
            tuple(tool.get("find-links", [])),
            dict(tool.get("builds", {})),
        )
    except KeyError as exc:
        raise InputError(source, [Problem(f"$.tool.{TOOL}", f"missing {exc}")]) from None


def lock_path(env: Path) -> Path:
    return env_meta_dir(env) / LOCK_FILE


# ---- a requirements file: how pip installs the lock ---------------------------------------------------


def requirements_text(lock: Lock, header: str = "") -> str:
    """Pinned requirements with hashes and the index options they need (${VAR} references stay;
    pip expands them). With hashes pip refuses any file but the locked one."""
    lines = [f"# {line}" for line in header.splitlines()]
    for i, url in enumerate(lock.indexes):
        lines.append(f"{'--index-url' if i == 0 else '--extra-index-url'} {url}")
    if not lock.indexes:
        lines.append("--no-index")
    folders = dict.fromkeys([*lock.find_links, *(str(Path(p.path).parent) for p in lock.packages if p.path)])
    lines += [f"--find-links {f}" for f in folders]
    lines += [f"{p.pin} \\\n    --hash=sha256:{p.sha256}" for p in lock.packages]
    return "\n".join(lines) + "\n"
