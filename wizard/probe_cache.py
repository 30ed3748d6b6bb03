"""Interpreter probes remembered across runs, so detection on a known machine starts no process.

Key: the path as given (a venv's python is a link, and what it reports depends on the path it was
started from), the file it resolves to, and that file's size and mtime: an upgraded or rebuilt
interpreter is a new key. Kept in the state directory, written whole (temporary file, then rename).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from wizard.paths import state_dir

CACHE_FILE = "interpreters.json"
_lock = threading.Lock()
_loaded: dict[str, dict[str, Any]] | None = None


def cache_key(path: str) -> str | None:
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except OSError:
        return None
    return f"{path}\0{real}\0{st.st_size}\0{st.st_mtime_ns}"


def _file() -> Path:
    return state_dir() / CACHE_FILE


def _entries() -> dict[str, dict[str, Any]]:
    global _loaded
    if _loaded is None:
        try:
            data = json.loads(_file().read_text("utf-8"))
            _loaded = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            _loaded = {}
    return _loaded


def lookup(key: str) -> dict[str, Any] | None:
    with _lock:
        found = _entries().get(key)
    return found if isinstance(found, dict) else None


def store(key: str, data: dict[str, Any]) -> None:
    """Remember a probe's answer; a state directory that cannot be written only costs the speed-up."""
    with _lock:
        entries = _entries()
        entries[key] = data
        try:
            path = _file()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{CACHE_FILE}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entries), "utf-8")
            tmp.replace(path)
        except OSError:
            pass


def forget_loaded() -> None:
    """Read the file again on next use (the state directory changed, e.g. in a test)."""
    global _loaded
    with _lock:
        _loaded = None
