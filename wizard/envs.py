"""Environments on disk: what a folder is, the interpreter inside it, and the wizard's own state file.

These checks decide whether the wizard may touch a folder at all (DESIGN.md invariant 3), so they
run before anything is created.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from wizard import atomic, proc
from wizard.machine import PythonInfo
from wizard.paths import env_meta_dir, site_packages
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
    """What is at `path`; RequestError when the OS will not say (a parent the user cannot read,
    a name too long for the filesystem)."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise RequestError(
            f"cannot look at {path}: {getattr(exc, 'strerror', None) or exc}",
            "choose a folder you can read, with names of at most 255 bytes",
        ) from None
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


def _state_shape_problem(data: Any) -> str | None:
    """Why a state file's content is not a state the wizard wrote, or None."""
    if not isinstance(data, dict):
        return "it is not a JSON object"
    if data.get("created_by") != CREATED_BY:
        return None
    steps = data.get("steps", {})
    if not isinstance(data.get("created", False), bool) or not isinstance(data.get("creating", False), bool):
        return "'created' is not true or false"
    if not isinstance(data.get("python_version", ""), str):
        return "'python_version' is not a string"
    if not isinstance(steps, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in steps.items()):
        return "'steps' is not an object of strings"
    return None


def _load_state(env: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(state, None), (None, None) when there is no state of the wizard's, or (None, why) when the
    file is there but damaged (truncated, edited by hand)."""
    path = env_meta_dir(env) / STATE_FILE
    try:
        raw = path.read_bytes() if path.is_file() and path.stat().st_size <= 1_000_000 else None
    except OSError as exc:
        return None, f"it cannot be read ({exc.strerror or exc})"
    if raw is None:
        return None, None if not path.exists() else "it is not a small regular file"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, "it is not valid JSON (truncated or edited?)"
    problem = _state_shape_problem(data)
    if problem:
        return None, problem
    return (data if data.get("created_by") == CREATED_BY else None), None


def read_state(env: Path) -> dict[str, Any] | None:
    """The wizard's record of an environment it made, or None (not made by the wizard, or damaged)."""
    return _load_state(env)[0]


def state_damage(env: Path) -> str | None:
    """Why the environment's state file cannot be trusted, when it is there but damaged."""
    return _load_state(env)[1]


def write_state(env: Path, state: dict[str, Any]) -> None:
    atomic.write_text(env_meta_dir(env) / STATE_FILE, json.dumps({**state, "created_by": CREATED_BY}, indent=2, sort_keys=True))


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
    """The pip installed in an environment (None when pip is missing), without importing pip: its
    dist-info folder in the environment's site-packages, else (a layout not found, e.g. a system
    Python's dist-packages) asked of the interpreter."""
    found = [d.name for site in site_packages(python.parent.parent) for d in site.glob("pip-*.dist-info")]
    if len(found) == 1:
        return found[0][len("pip-") : -len(".dist-info")]
    code = "import importlib.metadata as m\ntry: print(m.version('pip'))\nexcept Exception: print('')"
    out = proc.run([str(python), "-I", "-c", code], timeout)
    return (out.stdout.strip() or None) if out else None
