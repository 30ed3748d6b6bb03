"""Python interpreters: parse what the answers ask for, find and probe the ones on this machine."""

from __future__ import annotations

import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from wizard import probe_cache, proc
from wizard.machine import PythonInfo

MIN_TARGET = Version("3.9")
PROBE = Path(__file__).parent / "probes" / "interpreter_probe.py"
PROBE_TIMEOUT_S = 10.0
_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


@dataclass(frozen=True)
class PythonRequest:
    """What `environment.python` asked for: a path, a version prefix, or a specifier."""

    path: str | None = None
    spec: SpecifierSet | None = None
    text: str = ""

    def accepts(self, info: PythonInfo) -> bool:
        if self.path:
            return os.path.realpath(os.path.expanduser(self.path)) == os.path.realpath(info.path) or self.path == info.path
        return self.spec is None or self.spec.contains(Version(info.version), prereleases=True)


def parse_python_request(text: str) -> PythonRequest:
    """'3.11' → ==3.11.*; '>=3.10,<3.13' → a specifier; '/usr/bin/python3.12' → a path. Refuses < 3.9."""
    t = text.strip()
    if "/" in t or "\\" in t or t.startswith("~"):
        return PythonRequest(path=t, text=t)
    if _VERSION.match(t):
        v = Version(t)
        if v.major < 3 or (v.major == 3 and len(v.release) > 1 and v.release[1] < 9):
            raise ValueError(f"Python {t} is too old: the wizard targets Python 3.9 and newer")
        spec = SpecifierSet(f"=={t}.*" if len(v.release) < 3 else f"=={t}")
        return PythonRequest(spec=spec, text=t)
    try:
        spec = SpecifierSet(t)
    except InvalidSpecifier:
        raise ValueError(f"{t!r} is neither a Python version, a version specifier nor an interpreter path") from None
    if not spec:
        raise ValueError("empty Python specifier")
    if not any(spec.contains(f"3.{m}.0") for m in range(9, 30)):
        raise ValueError(f"{t!r} admits no Python from 3.9 on")
    return PythonRequest(spec=spec, text=t)


def is_supported_target(info: PythonInfo) -> bool:
    return Version(info.version) >= MIN_TARGET


def run_probe(argv: list[str], timeout: float) -> proc.Finished | None:
    """Run a short read-only command (an interpreter probe, nvidia-smi, rocminfo, sysctl) through
    wizard.proc; None when it cannot start or times out."""
    return proc.run(argv, timeout)


def probe_interpreter(path: str, source: str = "PATH", timeout: float = PROBE_TIMEOUT_S) -> PythonInfo | None:
    """Run the probe in `path` (or recall its answer: wizard.probe_cache); None when it is not a
    working Python. Never hangs (timeout)."""
    key = probe_cache.cache_key(path)
    data = probe_cache.lookup(key) if key else None
    if data is None:
        done = run_probe([path, "-I", str(PROBE)], timeout)
        if done is None:
            return None
        line = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
        if not line:
            return _python2_info(path, source, done.stderr)
        try:
            data = json.loads(line[0])
        except ValueError:
            return None
        if key and isinstance(data, dict) and "version" in data and data.get("venv_ok"):
            probe_cache.store(key, data)  # not a Python that lacks venv: installing python3.X-venv changes no binary
    info = PythonInfo(
        path=path,
        version=data["version"],
        implementation=data.get("implementation", "cpython"),
        is_venv=bool(data.get("is_venv")),
        venv_ok=bool(data.get("venv_ok")),
        free_threaded=bool(data.get("free_threaded")),
        externally_managed=bool(data.get("externally_managed")),
        bundled_pip=data.get("bundled_pip"),
        source=source,
    )
    info.venv_hint = venv_hint(info)
    return info


def _python2_info(path: str, source: str, stderr: str) -> PythonInfo | None:
    """Python 2 cannot run the probe (it is listed, never offered); recognise it from `-V`."""
    out = run_probe([path, "-V"], 5)
    if out is None:
        return None
    m = re.search(r"Python (\d+\.\d+\.\d+)", out.stdout + out.stderr)
    return PythonInfo(path=path, version=m.group(1), venv_ok=False, source=source) if m else None


_NAMES = ["python3", "python"] + [f"python3.{m}" for m in range(30, 5, -1)] + ["python2", "python2.7"]
_CONDA_DIRS = ("miniconda3", "anaconda3", "miniforge3", "mambaforge")
_COMMON_DIRS = (("/usr/local/bin", "system"), ("/opt/homebrew/bin", "homebrew"), ("/usr/bin", "system"))


def conda_prefixes(home: Path) -> list[Path]:
    """Conda installs and their environments: the usual install folders, $CONDA_PREFIX, $CONDA_EXE's
    install, and conda's own list of environments (~/.conda/environments.txt)."""
    roots = [home / d for d in _CONDA_DIRS] + [Path("/opt") / d for d in ("conda", *_CONDA_DIRS)]
    if os.environ.get("CONDA_EXE"):
        roots.append(Path(os.environ["CONDA_EXE"]).parent.parent)
    prefixes: list[Path] = []
    for root in roots:
        if (root / "conda-meta").is_dir():
            prefixes.append(root)
            prefixes += sorted(p for p in (root / "envs").glob("*") if (p / "conda-meta").is_dir())
    if os.environ.get("CONDA_PREFIX"):
        prefixes.append(Path(os.environ["CONDA_PREFIX"]))
    try:
        listed = (home / ".conda" / "environments.txt").read_text().splitlines()
    except OSError:
        listed = []
    prefixes += [Path(line.strip()) for line in listed if line.strip()]
    return prefixes


def uv_python_dir(home: Path) -> Path:
    """Where `uv python install` puts interpreters."""
    if os.environ.get("UV_PYTHON_INSTALL_DIR"):
        return Path(os.environ["UV_PYTHON_INSTALL_DIR"])
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "uv" / "python"


def candidate_paths() -> list[tuple[str, str]]:
    """(path, source) of interpreters on PATH, in pyenv, conda, uv and the usual install folders,
    without duplicates of the same file. An interpreter is labelled by the tool that manages it even
    when PATH finds it first, so a person can tell the conda base from the system Python."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    home = Path.home()
    pyenv_root = Path(os.environ.get("PYENV_ROOT", home / ".pyenv"))
    conda = conda_prefixes(home)
    uv_dir = uv_python_dir(home)
    managers = [(pyenv_root, "pyenv"), (uv_dir, "uv")] + [(c, "conda") for c in conda]

    def add(p: str, source: str) -> None:
        real = os.path.realpath(p)
        if real in seen or not os.access(p, os.X_OK) or os.path.isdir(p):
            return
        seen.add(real)
        found.append((p, next((label for root, label in managers if Path(p).is_relative_to(root)), source)))

    def add_dir(d: str | Path, source: str) -> None:
        for name in _NAMES:
            p = os.path.join(d, name)
            if os.path.exists(p):
                add(p, source)

    def add_prefix(prefix: Path, source: str) -> None:
        """One interpreter per install prefix: bin/python3, else bin/python."""
        for name in ("python3", "python"):
            p = prefix / "bin" / name
            if p.exists():
                add(str(p), source)
                return

    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d and Path(d) != pyenv_root / "shims":  # shims resolve through pyenv; its versions are read below
            add_dir(d, "PATH")
    if (pyenv_root / "versions").is_dir():
        for v in sorted((pyenv_root / "versions").iterdir()):
            add_prefix(v, "pyenv")
    for prefix in conda:
        add_prefix(prefix, "conda")
    if uv_dir.is_dir():
        for v in sorted(uv_dir.iterdir()):
            add_prefix(v, "uv")
    for d, source in _COMMON_DIRS:
        add_dir(d, source)
    add_dir(home / ".local" / "bin", "user")
    return found


def venv_hint(info: PythonInfo, debian_marker: Path = Path("/etc/debian_version")) -> str | None:
    """Debian and Ubuntu ship venv/ensurepip in a separate python3.X-venv package. Only their own
    interpreters (under /usr, not /usr/local) are fixed by installing it."""
    v = Version(info.version)
    real = os.path.realpath(info.path)
    if info.venv_ok or v.major != 3 or not debian_marker.exists():
        return None
    if not real.startswith("/usr/") or real.startswith("/usr/local/"):
        return None
    return f"apt install python{v.major}.{v.minor}-venv"


def find_pythons() -> list[PythonInfo]:
    """Every working interpreter found, newest first, probed in parallel."""
    cands = candidate_paths()
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(cands)))) as pool:
        infos = [i for i in pool.map(lambda c: probe_interpreter(*c), cands) if i is not None]
    infos.sort(key=lambda i: Version(i.version), reverse=True)
    return infos


def which(name: str) -> str | None:
    return shutil.which(name)
