"""Environments on disk: what a folder is, the interpreter inside it, and the wizard's own state file.

These checks decide whether the wizard may touch a folder at all (DESIGN.md invariant 3), so they
run before anything is created.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Literal

from wizard.machine import PythonInfo
from wizard.paths import env_meta_dir
from wizard.problems import RequestError
from wizard.pythons import probe_interpreter

STATE_FILE = "state.json"
CREATED_BY = "llm-setup-wizard"
FolderKind = Literal["missing", "empty", "venv", "conda", "other", "file"]


def env_python(env: Path, os_name: str = os.name) -> Path:
    """The interpreter inside a venv or conda env (Windows: Scripts\\python.exe, or python.exe in a conda env)."""
    if os_name in ("nt", "windows"):
        return env / "python.exe" if (env / "conda-meta").is_dir() else env / "Scripts" / "python.exe"
    return env / "bin" / "python"


def classify(path: Path) -> FolderKind:
    if not path.exists():
        return "file" if path.is_symlink() else "missing"
    if not path.is_dir():
        return "file"
    if (path / "pyvenv.cfg").is_file():
        return "venv"
    if (path / "conda-meta").is_dir():
        return "conda"
    try:
        next(path.iterdir())
    except StopIteration:
        return "empty"
    except PermissionError:
        return "other"
    return "other"


def existing_interpreter(path: Path, hint: str) -> PythonInfo:
    """The working interpreter of the venv or conda environment at `path`; RequestError (exit 2),
    with `hint`, when the folder is not one."""
    folder = classify(path)
    if folder not in ("venv", "conda"):
        raise RequestError(f"{path} is not a virtual environment or conda environment ({folder})", hint)
    py = env_python(path)
    info = probe_interpreter(str(py), "environment") if py.exists() else None
    if info is None:
        raise RequestError(f"the environment at {path} has no working interpreter ({py})")
    return info


def read_state(env: Path) -> dict[str, Any] | None:
    """The wizard's record of an environment it made, or None (not made by the wizard / unreadable)."""
    try:
        data = json.loads((env_meta_dir(env) / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("created_by") == CREATED_BY else None


def write_state(env: Path, state: dict[str, Any]) -> None:
    meta = env_meta_dir(env)
    meta.mkdir(parents=True, exist_ok=True)
    tmp = meta / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps({**state, "created_by": CREATED_BY}, indent=2, sort_keys=True), "utf-8")
    tmp.replace(meta / STATE_FILE)


def venv_version(env: Path) -> str | None:
    """`version` (or `version_info`) from pyvenv.cfg: the Python a venv was made with."""
    try:
        lines = (env / "pyvenv.cfg").read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip()
    return None


def pip_version(python: Path, timeout: float = 30.0) -> str | None:
    """The pip installed in an environment (None when pip is missing), without importing pip."""
    code = "import importlib.metadata as m\ntry: print(m.version('pip'))\nexcept Exception: print('')"
    try:
        out = subprocess.run([str(python), "-I", "-c", code], stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
