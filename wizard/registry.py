"""The environments the wizard made on this machine: `<state dir>/environments.json`.

Runs record themselves here (one entry per folder, replaced whole under a file lock, written
atomically); `list` reads it and looks at each folder now; `remove` forgets an entry. The list is a
convenience: a run never fails because its entry could not be saved.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard.atomic import write_text
from wizard.paths import state_dir

REGISTRY_FILE = "environments.json"
VERSION = 1


def registry_path() -> Path:
    return state_dir() / REGISTRY_FILE


@contextmanager
def _exclusive() -> Iterator[None]:
    """Serialise read-modify-write between concurrent runs (POSIX flock; elsewhere the rename alone)."""
    path = state_dir() / (REGISTRY_FILE + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows
            pass
        yield


def load() -> dict[str, dict[str, Any]]:
    """Entries by folder path; an unreadable or foreign file reads as empty."""
    try:
        data = json.loads(registry_path().read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("environments") if isinstance(data, dict) else None
    return {k: v for k, v in entries.items() if isinstance(v, dict)} if isinstance(entries, dict) else {}


def _save(entries: dict[str, dict[str, Any]]) -> None:
    write_text(registry_path(), json.dumps({"version": VERSION, "environments": entries}, indent=2, sort_keys=True) + "\n")


def update(path: str, fields: dict[str, Any] | None) -> bool:
    """Merge `fields` into the entry of `path` (None: forget it); False when the state dir is unwritable."""
    try:
        with _exclusive():
            entries = load()
            if fields is None:
                entries.pop(path, None)
            else:
                entries[path] = {**entries.get(path, {}), **fields, "path": path}
            _save(entries)
        return True
    except OSError:
        return False


def run_fields(
    kind: str, python: str, builds: dict[str, str], outcome: str, verified: bool, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An entry's fields after a run; `last_verified` moves only when every check ran and passed."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    fields = {"kind": kind, "python": python, "builds": builds, "last_outcome": outcome, "last_run": now, **(extra or {})}
    if verified:
        fields["last_verified"] = now
    return fields


def folder_size(path: Path) -> int:
    """Bytes of the files under `path`, symlinks counted as links (never followed)."""
    total = 0
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(root, d)))]:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def listing() -> list[dict[str, Any]]:
    """Every entry with what its folder holds now: `present`, and `size_bytes` when present."""
    out = []
    for path, entry in sorted(load().items()):
        present = Path(path).is_dir() and (Path(path) / ".wizard").is_dir()
        out.append({**entry, "present": present, "size_bytes": folder_size(Path(path)) if present else None})
    return out


def human_size(n: int | None) -> str:
    if n is None:
        return "–"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def render(rows: list[dict[str, Any]]) -> list[str]:
    """The human form of `list`: one block per environment."""
    if not rows:
        return ["No environments yet: the wizard lists the environments it makes here."]
    lines = []
    for r in rows:
        builds = ", ".join(f"{f} ({v})" for f, v in sorted(r.get("builds", {}).items())) or "no frameworks"
        state = "" if r["present"] else "  [gone: the folder no longer exists]"
        lines += [
            f"{r['path']}{state}",
            f"  {r.get('kind', '?')}, Python {r.get('python', '?')}, {human_size(r['size_bytes'])}; {builds}",
            f"  last run {r.get('last_run', '–')}: {r.get('last_outcome', '–')}; last verified {r.get('last_verified', 'never')}"
            + (f"; Jupyter kernel {r['kernel']}" if r.get("kernel") else ""),
        ]
    return lines
