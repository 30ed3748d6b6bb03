"""Every file the wizard writes (answers, report, state, lock holder, pylock, exports, registry,
VS Code settings) is written here: to a temporary file beside it, flushed to disk, then renamed over
the old one. A reader sees the old file or the new one, never a 0-byte or half-written one; when the
disk is full or the folder turned read-only, the OSError reaches the caller (a failed run) and the
previous good file stays. `exclusive` refuses to replace an existing file (exports without --force)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_text(path: Path, text: str, exclusive: bool = False) -> None:
    """Write `text` to `path` in one step; FileExistsError when `exclusive` and `path` exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            os.link(tmp, path)  # fails with FileExistsError instead of replacing
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); some filesystems refuse, which changes nothing."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
