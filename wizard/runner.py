"""Runs Steps as subprocesses and turns their output into typed Events (DESIGN.md invariant 2).

argv lists only, stdin from /dev/null, each child in its own process group so a cancel ends the
child *and* everything it started, every byte of output in the run's log.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from wizard import proc as procs
from wizard.events import Check, Emit, Output, Progress, StepFinished, StepStarted, StepStatus
from wizard.plan import Step
from wizard.redact import expand_env_refs, redact_text

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
RAW_PROGRESS = re.compile(r"^Progress (\d+) of (\d+)$")
UV_DOWNLOADING = re.compile(r"^Downloading (?P<name>\S+) \((?P<size>[\d.]+)(?P<unit>[KMG]i?B|B)\)$")
UV_DOWNLOADED = re.compile(r"^Downloaded (?P<name>\S+)$")
_UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "KB": 1000, "MB": 1000**2, "GB": 1000**3}
CHECK_PREFIX = "@@wizard-check "
KILL_GRACE_S = 5.0
MAX_LINE_CHARS = 16_384  # a program printing megabytes without a newline is cut into bounded lines
TRUNCATED = " …[line truncated]"
_SCRUBBED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "__PYVENV_LAUNCHER__", "VIRTUAL_ENV")


def clean_line(raw: str) -> str:
    """A child's line as shown and logged: no escape sequences, no credentials."""
    return redact_text(ANSI.sub("", raw)).rstrip()


def child_env() -> dict[str, str]:
    """The parent's environment (proxies, pip settings, certificates) minus what would leak the
    wizard's own interpreter setup into the target interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update(PYTHONUNBUFFERED="1", PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONIOENCODING="utf-8")
    return env


class RunLog:
    """The run's log file: everything every subprocess printed, with the (redacted) command."""

    def __init__(self, path: Path):
        self.path = path
        self.error: str | None = None  # the first write that failed (disk full, read-only): the run fails
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def write(self, text: str) -> None:
        self._guard(lambda: self._fh.write(text + "\n"))

    def flush(self) -> None:
        self._guard(self._fh.flush)

    def _guard(self, op: Callable[[], object]) -> None:
        if self.error is not None:
            return
        try:
            op()
        except (OSError, ValueError) as exc:
            self.error = f"cannot write the log {self.path}: {getattr(exc, 'strerror', None) or exc}"

    def move_to(self, new_path: Path) -> None:
        """Move the log (e.g. into the environment once it exists) and keep appending there. Across
        filesystems (the environment on a data disk) a rename cannot work: copy, then remove. When
        the move fails, the log stays where it was and the error reaches the caller."""
        if new_path == self.path:
            return
        self._fh.close()
        try:
            new_path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(self.path, new_path)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                shutil.copyfile(self.path, new_path)
                self.path.unlink()
            self.path = new_path
        finally:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    def close(self) -> None:
        self._fh.close()


@dataclass
class StepResult:
    status: StepStatus
    exit_code: int | None
    seconds: float
    tail: list[str]  # last lines of output, for the report and diagnoses


class Runner:
    """Runs one step at a time; `cancel()` is safe to call from a signal handler or another thread."""

    def __init__(self, log: RunLog, emit: Emit):
        self.log = log
        self.emit = emit
        self._proc: procs.Child[bytes] | None = None
        self._downloads: dict[str, int] = {}  # uv: name → bytes of a download in flight
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            procs.signal_group(proc, signal.SIGTERM)
            killer = threading.Timer(KILL_GRACE_S, procs.signal_group, (proc, procs.KILL))
            killer.daemon = True
            killer.start()

    def run(self, step: Step, index: int, total: int) -> StepResult:
        start = time.monotonic()
        self.log.write(f"=== [{step.id}] $ {step.command_line()}")
        if self.cancelled:
            return self._finish(step, "cancelled", None, start, [])
        argv = list(step.argv)  # never expanded: a path is a path; ${VAR} lives only in step.env (index URLs)
        try:
            env = {**child_env(), **{k: expand_env_refs(v) for k, v in step.env}}
        except KeyError as exc:
            return self._finish(step, "failed", None, start, [], f"environment variable {exc.args[0]} is not set")
        try:
            proc = procs.spawn(argv, env, step.stdin)
        except OSError as exc:
            self.emit(StepStarted(step.id, step.title, index, total, step.display_argv(), None))
            return self._finish(step, "failed", None, start, [], f"cannot start {argv[0]}: {exc.strerror or exc}")
        self._proc = proc
        self.emit(StepStarted(step.id, step.title, index, total, step.display_argv(), proc.pid))
        tail: list[str] = []
        try:
            for line in _lines(proc.stdout):  # type: ignore[arg-type]
                self._handle(step, line, tail)
            code = proc.wait()
        finally:
            procs.end(proc)  # nothing the step started outlives it
            self._proc = None
        status: StepStatus = "cancelled" if self.cancelled else ("ok" if code == 0 else "failed")
        return self._finish(step, status, code, start, tail)

    def _handle(self, step: Step, raw: str, tail: list[str]) -> None:
        line = clean_line(raw)
        if not line:
            return
        if line.startswith(CHECK_PREFIX):
            try:
                c = json.loads(line[len(CHECK_PREFIX) :])
                self.emit(
                    Check(c["name"], bool(c["ok"]), str(c.get("detail", "")), float(c.get("seconds", 0.0)), c.get("data", {}))
                )
                self.log.write(f"check {c['name']}: {'ok' if c['ok'] else 'FAILED'} {c.get('detail', '')}")
                return
            except (ValueError, KeyError, TypeError):
                pass
        self.log.write(line)
        m = RAW_PROGRESS.match(line)
        if m:
            self.emit(Progress(step.id, int(m.group(1)), int(m.group(2))))
            return
        tail.append(line)
        del tail[:-40]
        self.emit(Output(step.id, line))
        if step.installer == "uv":
            self._uv_progress(step, line.strip())

    def _uv_progress(self, step: Step, line: str) -> None:
        """uv names each large download with its size when it starts, and again when it is done."""
        if m := UV_DOWNLOADING.match(line):
            size = int(float(m.group("size")) * _UNITS[m.group("unit")])
            self._downloads[m.group("name")] = size
            self.emit(Progress(step.id, 0, size))
        elif (m := UV_DOWNLOADED.match(line)) and m.group("name") in self._downloads:
            size = self._downloads.pop(m.group("name"))
            self.emit(Progress(step.id, size, size))

    def _finish(
        self, step: Step, status: StepStatus, code: int | None, start: float, tail: list[str], reason: str | None = None
    ) -> StepResult:
        seconds = round(time.monotonic() - start, 3)
        self.log.write(f"=== [{step.id}] {status} (exit {code}) in {seconds:.1f}s" + (f": {reason}" if reason else ""))
        self.log.flush()
        if reason:
            tail = [*tail, reason]
        self.emit(StepFinished(step.id, status, code, seconds, reason))
        return StepResult(status, code, seconds, tail)


def _lines(stream: IO[bytes]) -> Iterator[str]:
    """Lines split on \\n or \\r (pip redraws with \\r), decoded leniently, as they arrive; a line
    longer than MAX_LINE_CHARS is cut there and the rest of it dropped, so memory and time stay
    linear in the output however a program prints."""
    fd = stream.fileno()
    buf = b""
    skipping = False
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        parts = re.split(rb"\r\n|\r|\n", buf + chunk)
        buf = parts.pop()
        for p in parts:
            if skipping:
                skipping = False
                continue
            yield p[:MAX_LINE_CHARS].decode("utf-8", errors="replace") + (TRUNCATED if len(p) > MAX_LINE_CHARS else "")
        if len(buf) > MAX_LINE_CHARS:
            if not skipping:
                yield buf[:MAX_LINE_CHARS].decode("utf-8", errors="replace") + TRUNCATED
            buf, skipping = b"", True
    if buf and not skipping:
        yield buf[:MAX_LINE_CHARS].decode("utf-8", errors="replace")
