"""Every child process the wizard starts goes through here (a test keeps it that way).

Each child: an argv list (never a shell), stdin from /dev/null (or the bytes given), its own
process group so that ending it ends everything it started, a time limit, and a place in the set
of live children that `cancel_all()` ends at once (Ctrl-C, SIGTERM, SIGHUP in any phase).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass

KILL = getattr(signal, "SIGKILL", signal.SIGTERM)
Child = subprocess.Popen
_live: set[Child[bytes]] = set()
_live_lock = threading.RLock()  # re-entrant: cancel_all() may run in a signal handler
_closed = threading.Event()  # set by cancel_all(close=True): the process is ending, start nothing more


@dataclass(frozen=True)
class Finished:
    """A short command's result (output decoded leniently)."""

    returncode: int
    stdout: str
    stderr: str


def _group_kwargs() -> dict:
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    return {"start_new_session": True}


def spawn(argv: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.Popen[bytes]:
    """A long-running child whose stdout and stderr come together through one pipe (the runner's
    steps); `stdin` is given through an unnamed temporary file, so no pipe can fill up. OSError when
    it cannot start. The caller ends it with `end()`."""
    if stdin is None:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, **_group_kwargs()
        )
    else:
        with tempfile.TemporaryFile() as data:
            data.write(stdin.encode("utf-8"))
            data.seek(0)
            proc = subprocess.Popen(
                argv, stdin=data, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, **_group_kwargs()
            )
    _track(proc)
    return proc


def _track(proc: subprocess.Popen[bytes]) -> None:
    """Add a started child to the live set; one that started as cancel_all(close=True) ran (after its
    look at the set) is ended here, so no child outlives a cancel."""
    with _live_lock:
        _live.add(proc)
    if _closed.is_set():
        signal_group(proc, KILL)


def end(proc: subprocess.Popen[bytes]) -> None:
    """Kill what is left of the child's process group and forget it."""
    signal_group(proc, KILL)
    with _live_lock:
        _live.discard(proc)


def run(argv: list[str], timeout: float, env: dict[str, str] | None = None, stdin: bytes | None = None) -> Finished | None:
    """Run a short command to completion, killed whole on timeout so that a child it left behind
    cannot hold the pipes open. None when it cannot start, times out or is cancelled."""
    if _closed.is_set():
        return None
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            **_group_kwargs(),
        )
    except (OSError, ValueError):
        return None
    _track(proc)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_group(proc, KILL)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            proc.communicate(timeout=1)
        return None
    finally:
        end(proc)
    if proc.returncode < 0:  # ended by a signal: cancelled or killed, not an answer
        return None
    return Finished(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Signal the child's whole process group (Windows: the child itself)."""
    try:
        if os.name == "nt":
            proc.kill()
        else:
            os.killpg(proc.pid, sig)
    except OSError:
        pass


def cancel_all(close: bool = False) -> None:
    """End every live child now (safe from a signal handler or another thread); with close, short
    commands asked for later do not start (Ctrl-C during detection: the probes still queued)."""
    if close:
        _closed.set()
    with _live_lock:
        procs = list(_live)
    for p in procs:
        if p.poll() is None:
            signal_group(p, KILL)
