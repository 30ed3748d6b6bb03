"""Typed events: the one stream the TUI, the headless printer and `--json` all consume.

Every event serialises to one JSON object with an "event" key; `emit` callbacks take these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

StepStatus = Literal["ok", "failed", "skipped", "cancelled"]


@dataclass(frozen=True)
class Event:
    name: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.name, **asdict(self)}


@dataclass(frozen=True)
class PlanReady(Event):
    name: ClassVar[str] = "plan"
    plan: dict[str, Any]


@dataclass(frozen=True)
class StepStarted(Event):
    name: ClassVar[str] = "step_started"
    step: str
    title: str
    index: int  # 1-based position in the plan
    total: int
    argv: list[str]  # redacted
    pid: int | None = None


@dataclass(frozen=True)
class Output(Event):
    name: ClassVar[str] = "output"
    step: str
    line: str


@dataclass(frozen=True)
class Progress(Event):
    """Bytes of the current download, from pip's `--progress-bar raw` (total 0: size unknown)."""

    name: ClassVar[str] = "progress"
    step: str
    done: int
    total: int


@dataclass(frozen=True)
class StepFinished(Event):
    name: ClassVar[str] = "step_finished"
    step: str
    status: StepStatus
    exit_code: int | None
    seconds: float
    reason: str | None = None  # why it was skipped or failed


@dataclass(frozen=True)
class Check(Event):
    name: ClassVar[str] = "check"
    check: str
    ok: bool
    detail: str
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Diagnosis(Event):
    """A cause behind failed or suspicious checks: what is wrong, the evidence, and how to fix it."""

    name: ClassVar[str] = "diagnosis"
    rule: str  # stable id of the rule that found it, e.g. "cpu-torch-on-gpu"
    severity: Literal["error", "warning"]  # error: explains a failed check; warning: nothing failed yet
    cause: str
    evidence: list[str]
    fix: str
    command: str | None = None  # a command that applies the fix, where there is one


@dataclass(frozen=True)
class Report(Event):
    """A whole report, for `doctor --json` on an environment it may not write into."""

    name: ClassVar[str] = "report"
    report: dict[str, Any]


@dataclass(frozen=True)
class Done(Event):
    name: ClassVar[str] = "done"
    exit_code: int
    summary: str
    environment: str | None
    files: dict[str, str]


@dataclass(frozen=True)
class Error(Event):
    name: ClassVar[str] = "error"
    message: str
    hint: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)


Emit = Callable[[Event], None]
