"""Ask pip what the install will get, before anything is created.

pip itself answers, run the way the install runs: the plan's index options, the user's pip
configuration (`pip.conf`, `PIP_*`, keyring, certificates, proxies) and the target interpreter's
tags and markers, through `pip --python TARGET install --dry-run --ignore-installed --report`.
The wizard's own pip is used (pip >= 22.3 has `--python`): the venv does not exist yet, and the
base interpreter may have no pip, or an old one. Measured here: 1.2-1.5 s more than the target's
own pip would take (it imports pip without bytecode), against 2.6 s for a throwaway venv.

Steps uv installs (options.installer "uv") are resolved by uv (`uv pip compile --format pylock.toml`),
the tool that installs them, with pip's configuration passed on (wizard.uv), in a fraction of pip's
time; the packages `uv venv --seed` adds are resolved with the venv step's options.

Both resolvers report each file's URL and sha256 (uv also its size): the environment's lock is
written from them after the install (wizard.pylock), without asking an installer again.

A refusal names the requirement, the index the resolver used (credentials masked) and a hint for the cause.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wizard import proc
from wizard.plan import Plan, ResolvedPackage, Step
from wizard.problems import RequestError
from wizard.redact import expand_env_refs, is_private_url, redact_text, redact_url
from wizard.runner import child_env, clean_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PIP_TIMEOUT_S = 600
PYPI = "https://pypi.org/simple"
_LOOKING = re.compile(r"^Looking in (indexes|links): (.+)$")
_FROM_VERSIONS = re.compile(r"Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)")


def _index_of(step: Step) -> str | None:
    args, env = list(step.index_args), dict(step.env)
    if "--index-url" in args:
        return args[args.index("--index-url") + 1]
    return env.get("PIP_INDEX_URL") or env.get("UV_INDEX_URL")


def _earlier_urls(step: Step, earlier: Iterable[Step]) -> list[str]:
    return [u for s in earlier if (u := _index_of(s)) and u != _index_of(step)]


def _earlier_indexes(step: Step, earlier: Iterable[Step]) -> list[str]:
    """Earlier steps' indexes as extra-index options; those that carry secrets go in `_child_env`."""
    return [a for u in _earlier_urls(step, earlier) if not is_private_url(u) for a in ("--extra-index-url", u)]


def _child_env(step: Step, earlier: Iterable[Step]) -> dict[str, str]:
    """The resolver's own environment: the step's (URLs with secrets, ${VAR} expanded here only),
    plus earlier steps' private indexes as extra indexes."""
    env = dict(step.env)
    var = "UV_EXTRA_INDEX_URL" if step.installer == "uv" else "PIP_EXTRA_INDEX_URL"
    private = [u for u in _earlier_urls(step, earlier) if is_private_url(u)]
    if private:
        env[var] = " ".join([*filter(None, [env.get(var)]), *private])
    try:
        return {k: expand_env_refs(v) for k, v in env.items()}
    except KeyError as exc:
        raise RequestError(f"the index URL names ${{{exc.args[0]}}}, but that environment variable is not set") from None


def resolve_argv(
    interpreter: str, step: Step, fresh: bool, report: Path, earlier: Iterable[Step] = (), constraints: Path | None = None
) -> list[str]:
    """The dry run of one install step. Steps before it (a build from its own index, e.g. PyTorch's)
    are already installed when it runs: their indexes join as extra indexes and their resolved
    versions are pinned through `constraints`, so the resolver keeps them as the install will."""
    extra = _earlier_indexes(step, earlier)
    return [
        sys.executable,
        "-m",
        "pip",
        "--python",
        interpreter,
        "install",
        "--dry-run",
        *(("--ignore-installed",) if fresh else ()),
        "--report",
        str(report),
        "--retries",
        "1",
        "-v",
        "--no-input",
        "--disable-pip-version-check",
        "--no-color",
        *step.index_args,
        *extra,
        *(("--constraint", str(constraints)) if constraints else ()),
        *step.requirements,
    ]


def uv_resolve_argv(interpreter: str, step: Step, constraints: Path | None, earlier: Iterable[Step] = ()) -> list[str]:
    """For steps uv installs, uv resolves (`uv pip compile`, requirements read from stdin), with the
    step's own options (pip's configuration already added, wizard.uv) and the same treatment of
    earlier steps as `resolve_argv`."""
    extra = _earlier_indexes(step, earlier)
    split = step.argv.index("--python") + 2  # uv pip install --python PY <options> <requirements>
    return [
        step.argv[0],
        "pip",
        "compile",
        "-",
        "--python",
        interpreter,
        "--format",
        "pylock.toml",
        "--no-header",
        "--quiet",
        *step.argv[split : step.options_end],
        *extra,
        *(("--constraint", str(constraints)) if constraints else ()),
    ]


def _run(argv: list[str], stdin: str | None = None, env: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    """The resolver's exit code, its output lines (stdout then stderr, credentials masked) and its raw stdout."""
    done = proc.run(argv, PIP_TIMEOUT_S, env={**child_env(), **(env or {})}, stdin=(stdin or "").encode())
    if done is None:
        raise RequestError(
            f"the resolver ({Path(argv[0]).name}) did not finish within {PIP_TIMEOUT_S} s, or was stopped",
            "check the network and the index, or install offline (index.offline with find_links)",
        )
    lines = [clean_line(x) for x in (done.stdout + "\n" + done.stderr).splitlines()]
    return done.returncode, [x for x in lines if x], done.stdout


def _where(output: list[str], step: Step) -> str:
    """The indexes and links pip says it looked in (it prints them unless only PyPI is used)."""
    seen = list(dict.fromkeys(m.group(2) for line in output if (m := _LOOKING.match(line))))
    if not any(line.startswith("Looking in indexes") for line in output) and "--no-index" not in step.index_args:
        seen.insert(0, PYPI)
    return redact_text(", ".join(seen)) or "the find_links folders"


def _hint(text: str, python: str) -> str:
    """A hint that fits the cause pip gives."""
    low = text.lower()
    if "certificate_verify_failed" in low or "sslerror" in low or "ssl:" in low:
        return (
            "pip could not verify the index's TLS certificate: name your CA bundle in pip.conf (`cert = ...`) "
            "or PIP_CERT, as pip itself would need"
        )
    if "proxyerror" in low or "cannot connect to proxy" in low or "tunnel connection failed" in low:
        return "the proxy refused or did not answer: check HTTPS_PROXY / pip.conf `proxy`"
    if "401 client error" in low or "403 client error" in low or "401 error" in low or "403 error" in low:
        return "the index refused the credentials: check the user and password (${VAR} references come from the environment)"
    if (
        "newconnectionerror" in low
        or "connection refused" in low
        or "max retries exceeded" in low
        or "name or service not known" in low
    ):
        return "check the network, the index URL and proxy settings, or install offline (index.offline with find_links)"
    if "require a different python version" in low:
        return f"no release of it supports Python {python}: choose a Python those packages support (environment.python)"
    m = _FROM_VERSIONS.search(text)
    if m and m.group(2).strip() not in ("", "none"):
        return f"no such version: the index has {m.group(1).split('[')[0]} {m.group(2).strip()}"
    if m:
        return f"no file of it installs on Python {python} on this platform, or the index has no such project: check the name"
    if "was not found in the package registry" in low or "not found in the provided package locations" in low:
        return "the index has no such project, or no file of it for this platform: check the name"
    if "requires python" in low or "does not satisfy python" in low or "depends on python" in low:
        return f"no release of it supports Python {python}: choose a Python those packages support (environment.python)"
    if "resolutionimpossible" in low or "conflicting dependencies" in low:
        return "the requirements contradict each other: loosen the version specifiers"
    return "see the resolver's message above"


def _errors(output: list[str]) -> str:
    errors = [x.strip().removeprefix("ERROR: ") for x in output if x.strip().startswith(("ERROR:", "error:", "cause:"))]
    return "; ".join(errors[-3:]) or (output[-1] if output else "pip failed")


def _size(url: str) -> int | None:
    """A local file's size; pip's report has none for remote files (the index does not report it to pip)."""
    if url.startswith("file://"):
        try:
            return Path(unquote(urlsplit(url).path)).stat().st_size
        except OSError:
            return None
    return None


def report_sha256(download_info: dict[str, Any]) -> str:
    """The file's sha256 from one entry of pip's `--report` ("" when pip gives none)."""
    archive = download_info.get("archive_info", {})
    return str((archive.get("hashes") or {}).get("sha256") or archive.get("hash", "").partition("sha256=")[2])


def _packages(report: dict, step: Step) -> list[ResolvedPackage]:
    out = []
    for item in report.get("install", []):
        meta, info = item.get("metadata", {}), item.get("download_info", {})
        url = info.get("url", "")
        out.append(
            ResolvedPackage(
                str(canonicalize_name(meta.get("name", "?"))),
                str(meta.get("version", "?")),
                redact_url(url, keep_env_refs=False, drop=True),
                _size(url),
                bool(item.get("requested")),
                step.id,
                report_sha256(info),
            )
        )
    return out


def _resolved_steps(plan: Plan, skip: frozenset[str]) -> list[Step]:
    """The steps that install packages: pip/uv installs (not pip's own upgrade), and a uv venv's seeds."""
    return [
        s
        for s in plan.steps
        if s.id not in skip
        and s.requirements
        and ((s.kind == "pip" and s.requirements != ("pip",)) or (s.kind == "create" and s.installer == "uv"))
    ]


def resolve_plan(plan: Plan, skip: frozenset[str] = frozenset()) -> tuple[ResolvedPackage, ...]:
    """Every package each install step will get, exact versions, from the installer's own resolution; steps in
    `skip` (a rerun's satisfied steps) are left out. RequestError when a requirement does not resolve."""
    t = plan.target
    if t.kind == "conda" and not t.reuse:
        return ()  # conda makes the interpreter: there is none yet to resolve for
    fresh = not (t.reuse or t.kind == "existing")
    interpreter = t.python if fresh and t.kind == "venv" else t.env_python
    skip |= {s.id for s in plan.steps if s.kind == "create" and t.reuse}  # a rerun's venv exists already
    steps = _resolved_steps(plan, skip)
    seeded = _bundled(plan, skip)  # what the venv comes with: a later step may upgrade it, so it pins nothing
    resolved: list[ResolvedPackage] = []
    with tempfile.TemporaryDirectory(prefix="wizard-resolve-") as tmp:
        constraints = Path(tmp) / "constraints.txt"
        for i, step in enumerate(steps):
            if resolved:
                constraints.write_text("".join(f"{p.name}=={p.version}\n" for p in resolved), "utf-8")
            pins = constraints if resolved else None
            if step.installer == "uv":
                found = _uv_resolve(interpreter, step, pins, steps[:i], t.python_version)
            else:
                found = _pip_resolve(
                    resolve_argv(interpreter, step, fresh, Path(tmp) / f"report-{i}.json", steps[:i], pins),
                    step,
                    _child_env(step, steps[:i]),
                    interpreter,
                    t.python_version,
                )
            if step.kind == "create":
                seeded = found
                continue
            have = {p.name for p in resolved}  # kept as the earlier step installed them
            resolved += [p for p in found if p.name not in have]
    later = {p.name for p in resolved}
    return (*(p for p in seeded if p.name not in later), *resolved)


def _bundled(plan: Plan, skip: frozenset[str]) -> list[ResolvedPackage]:
    """The wheels ensurepip bundles, which `python -m venv` installs (pip, and setuptools before 3.12):
    local files, hashed here, so the lock need not ask pip for them. None when the venv is made
    otherwise, or the interpreter's ensurepip is not where CPython keeps it (Debian removes it)."""
    create = next((s for s in plan.steps if s.kind == "create" and s.id not in skip), None)
    if create is None or create.argv[1:3] != ("-m", "venv") or "--without-pip" in create.argv:
        return []
    where = Path(plan.target.python).resolve().parent  # POSIX: <prefix>/bin; Windows: <prefix>
    minor = ".".join(plan.target.python_version.split(".")[:2])
    for folder in (where.parent / "lib" / f"python{minor}" / "ensurepip" / "_bundled", where / "Lib" / "ensurepip" / "_bundled"):
        wheels = sorted(folder.glob("*.whl"))
        if wheels:
            return [_local_wheel(w, create.id) for w in wheels]
    return []


def _local_wheel(wheel: Path, step: str) -> ResolvedPackage:
    name, version = wheel.name.split("-")[:2]
    return ResolvedPackage(
        str(canonicalize_name(name)),
        version,
        wheel.as_uri(),
        wheel.stat().st_size,
        False,
        step,
        hashlib.sha256(wheel.read_bytes()).hexdigest(),
    )


def _pip_resolve(argv: list[str], step: Step, env: dict[str, str], interpreter: str, python: str) -> list[ResolvedPackage]:
    report = Path(argv[argv.index("--report") + 1])
    code, output, _ = _run(argv, env=env)
    if code == 0 and report.is_file():
        return _packages(json.loads(report.read_text("utf-8")), step)
    if "(from versions: none)" in "\n".join(output):  # pip logs why an index page failed (401, 404) only at debug level
        output += _run([a if a != "-v" else "-vv" for a in argv], env=env)[1]
    if not any(x.startswith(("Looking in", "Collecting", "ERROR: Could not find")) for x in output):
        raise RequestError(
            f"pip could not run for the interpreter {interpreter}: {_errors(output)}",
            "check that this Python works (python -m venv, python -c 'import ssl')",
        )
    raise RequestError(
        f"pip cannot install {', '.join(step.requirements)} from {_where(output, step)}: {_errors(output)}",
        _hint("\n".join(output), python),
    )


def _uv_resolve(
    interpreter: str, step: Step, constraints: Path | None, earlier: list[Step], python: str
) -> list[ResolvedPackage]:
    code, output, stdout = _run(
        uv_resolve_argv(interpreter, step, constraints, earlier), "\n".join(step.requirements) + "\n", _child_env(step, earlier)
    )
    try:
        packages = tomllib.loads(stdout).get("packages", []) if code == 0 else None
    except tomllib.TOMLDecodeError:
        packages = None
    if not isinstance(packages, list):
        where = redact_text(_index_of(step) or "the configured index")
        if step.kind == "create":
            raise RequestError(
                f"uv cannot seed the new venv with {', '.join(step.requirements)} from {where}: {_errors(output)}",
                "the index must serve them (so that `python -m pip` works in the venv): "
                "add a folder holding their wheels to index.find_links, or use installer 'pip'",
            )
        raise RequestError(
            f"uv cannot install {', '.join(step.requirements)} from {where}: {_errors(output)}",
            _hint("\n".join(output), python),
        )
    requested = {str(canonicalize_name(Requirement(r).name)) for r in step.requirements}
    return [_uv_package(p, step, requested) for p in packages if isinstance(p, dict) and "name" in p]


def _uv_package(entry: dict[str, Any], step: Step, requested: set[str]) -> ResolvedPackage:
    """One `[[packages]]` entry of uv's pylock.toml: resolved for this interpreter, so its one wheel
    is the file uv installs (an sdist only where no wheel fits)."""
    name = str(canonicalize_name(entry["name"]))
    wheels = entry.get("wheels") or []
    file = wheels[0] if len(wheels) == 1 else (entry.get("sdist") if not wheels else None)
    file = file if isinstance(file, dict) else {}
    where = file.get("url") or (Path(file["path"]).resolve().as_uri() if file.get("path") else "")
    size = file.get("size")
    return ResolvedPackage(
        name,
        str(entry.get("version", "?")),
        redact_url(where, keep_env_refs=False, drop=True) if where else "",
        size if isinstance(size, int) else _size(where),
        name in requested,
        step.id,
        str((file.get("hashes") or {}).get("sha256", "")),
    )


def source_builds(packages: Iterable[ResolvedPackage], python: str) -> list[str]:
    """Warnings for packages pip would build from source (no wheel for this Python and platform)."""
    return [
        f"{p.name} {p.version} has no wheel for Python {python} here: pip will build it from source, "
        "which needs a compiler and can take long."
        for p in packages
        if p.url.endswith((".tar.gz", ".zip"))
    ]


def cuda_in_cpu_request(packages: Iterable[ResolvedPackage], frameworks: Iterable[str], os_name: str) -> str | None:
    """Why a CPU request resolved to a CUDA or ROCm build of torch, or None: a local version label
    names the build (+cu130, +rocm7.1), and on Linux PyPI's unlabelled torch is the CUDA build,
    which pulls nvidia-* packages."""
    if "pytorch" not in frameworks:
        return None
    pkgs = list(packages)
    torch = next((p for p in pkgs if p.name == "torch"), None)
    if torch is None:
        return None
    try:
        local = Version(torch.version).local or ""
    except InvalidVersion:
        return None
    gpu_deps = sorted(p.name for p in pkgs if p.name.startswith("nvidia-") or p.name.startswith("triton"))
    if local.startswith(("cu", "rocm")) or (not local and os_name == "linux" and gpu_deps):
        pulled = f", which pulls {', '.join(gpu_deps[:3])}{'…' if len(gpu_deps) > 3 else ''}" if gpu_deps else ""
        return f"the CPU build was asked for, but the index serves torch {torch.version}, a GPU build{pulled}"
    return None
