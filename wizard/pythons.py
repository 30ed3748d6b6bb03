"""Python interpreters: parse what the answers ask for, find and probe the ones on this machine."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

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


def probe_interpreter(path: str, source: str = "PATH", timeout: float = PROBE_TIMEOUT_S) -> PythonInfo | None:
    """Run the probe in `path`; None when it is not a working Python. Never hangs (timeout)."""
    try:
        proc = subprocess.run([path, "-I", str(PROBE)],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    line = proc.stdout.strip().splitlines()[-1:] if proc.returncode == 0 else []
    if not line:
        return _python2_info(path, source, proc.stderr)
    try:
        data = json.loads(line[0])
    except ValueError:
        return None
    return PythonInfo(path=path, version=data["version"], implementation=data.get("implementation", "cpython"),
                      is_venv=bool(data.get("is_venv")), venv_ok=bool(data.get("venv_ok")),
                      externally_managed=bool(data.get("externally_managed")),
                      bundled_pip=data.get("bundled_pip"), source=source)


def _python2_info(path: str, source: str, stderr: str) -> PythonInfo | None:
    """Python 2 cannot run the probe (it is listed, never offered); recognise it from `-V`."""
    try:
        out = subprocess.run([path, "-V"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"Python (\d+\.\d+\.\d+)", out.stdout + out.stderr)
    return PythonInfo(path=path, version=m.group(1), venv_ok=False, source=source) if m else None


def candidate_paths() -> list[tuple[str, str]]:
    """(path, source) of interpreters on PATH and in pyenv, without duplicates of the same file."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(p: str, source: str) -> None:
        real = os.path.realpath(p)
        if real in seen or not os.access(p, os.X_OK) or os.path.isdir(p):
            return
        seen.add(real)
        found.append((p, source))

    names = ["python3", "python"] + [f"python3.{m}" for m in range(30, 5, -1)] + ["python2", "python2.7"]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if not d or Path(d) == pyenv_root / "shims":
            continue  # pyenv shims resolve through pyenv; the versions folder is read directly below
        for name in names:
            p = os.path.join(d, name)
            if os.path.exists(p):
                add(p, "PATH")
    versions = pyenv_root / "versions"
    if versions.is_dir():
        for v in sorted(versions.iterdir()):
            for name in ("python3", "python"):
                p = v / "bin" / name
                if p.exists():
                    add(str(p), "pyenv")
                    break
    return found


def find_pythons() -> list[PythonInfo]:
    """Every working interpreter found, newest first, probed in parallel."""
    cands = candidate_paths()
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(cands)))) as pool:
        infos = [i for i in pool.map(lambda c: probe_interpreter(*c), cands) if i is not None]
    infos.sort(key=lambda i: Version(i.version), reverse=True)
    return infos


def which(name: str) -> str | None:
    return shutil.which(name)
