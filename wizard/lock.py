"""One run per environment at a time: a second run on the same environment is refused (exit 2)
and told who holds it, instead of two pips installing into one environment at once.

The lock is an OS lock (flock) on a file in the user's state directory named by the environment's
real path, so it exists before the environment does and is released by the OS however the holder
ends; the holder's pid and start time sit beside it (written atomically) for the refusal message.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from wizard import atomic
from wizard.paths import state_dir
from wizard.problems import RequestError

if sys.platform == "win32":  # Windows: msvcrt locks a byte range instead
    import msvcrt
else:
    import fcntl


def _lock_files(env: Path) -> tuple[Path, Path]:
    key = hashlib.sha256(os.path.realpath(env).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    base = state_dir() / "locks" / key
    return base.with_suffix(".lock"), base.with_suffix(".holder")


def _try_lock(fh: IO[bytes]) -> bool:
    try:
        if sys.platform == "win32":
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@dataclass
class EnvLock:
    """Held while a run works on `env`; `release()` (or the process ending) frees it."""

    env: Path
    _fh: IO[bytes]

    @classmethod
    def acquire(cls, env: Path) -> EnvLock:
        """The lock, or RequestError naming the run that holds it."""
        lock_path, holder_path = _lock_files(env)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(lock_path, "a+b")  # noqa: SIM115 - held until release()
        if not _try_lock(fh):
            fh.close()
            raise RequestError(
                f"another run of the wizard is working on {env} ({_holder(holder_path)})",
                "wait for it to finish, or stop it; then run again",
            )
        atomic.write_text(
            holder_path,
            json.dumps(
                {"pid": os.getpid(), "env": str(env), "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            ),
        )
        return cls(env, fh)

    def release(self) -> None:
        self._fh.close()


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text("utf-8"))
        return f"pid {int(data['pid'])}, started {data['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"
