"""The hand-off from the install thread to the screen: the engine emits from its thread, the
screen drains every ~50 ms and writes the lines to its `Log` in one batch.

A flood of output (a verbose pip, a build log) must not grow memory or starve the keyboard, so only
the newest `max_lines` lines wait here; the rest are counted and are in the run's log file anyway.
Every other event is kept, and download progress is coalesced to the latest figure.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from wizard.events import Check, Diagnosis, Done, Event, Output, Progress, StepFinished, StepStarted
from wizard.output import render_diagnosis

MARKS = {"ok": "✓", "skipped": "↷", "failed": "✗", "cancelled": "■"}


@dataclass
class Batch:
    """What arrived since the last drain."""

    lines: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    progress: Progress | None = None
    dropped: int = 0  # output lines that were not kept for the screen (the log file has them)


def log_line(event: Event) -> str | None:
    """How a non-output event reads in the live log, so the log tells the whole story in order."""
    if isinstance(event, StepStarted):
        return f"▶ Step {event.index}/{event.total}: {event.title}\n  $ {' '.join(event.argv)}"
    if isinstance(event, StepFinished):
        return f"{MARKS[event.status]} {event.status} in {event.seconds:.1f}s" + (f": {event.reason}" if event.reason else "")
    if isinstance(event, Check):
        return f"{'✓' if event.ok else '✗'} check {event.check}: {event.detail}"
    if isinstance(event, Diagnosis):
        return "\n".join(render_diagnosis(event))
    if isinstance(event, Done):
        return f"■ {event.summary} (exit code {event.exit_code})"
    return None


class EventBuffer:
    """An `Emit` callable for the engine (any thread) and a `drain()` for the UI thread."""

    def __init__(self, max_lines: int) -> None:
        self._lock = threading.Lock()
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._events: list[Event] = []
        self._progress: Progress | None = None
        self._dropped = 0

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, Output):
                self._add(event.line)
            elif isinstance(event, Progress):
                self._progress = event
            else:
                text = log_line(event)
                if text is not None:
                    for line in text.split("\n"):
                        self._add(line)
                self._events.append(event)

    def _add(self, line: str) -> None:
        if len(self._lines) == self._lines.maxlen:
            self._dropped += 1
        self._lines.append(line)

    def drain(self) -> Batch:
        with self._lock:
            batch = Batch(list(self._lines), self._events, self._progress, self._dropped)
            self._lines.clear()
            self._events = []
            self._progress = None
            self._dropped = 0
        return batch
