"""What the TUI tests share: the app built the way the command line builds it, a runner the test
gates step by step, and small Pilot helpers."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from textual import events
from textual.clock import MockClock
from textual.keys import _character_to_key
from textual.pilot import Pilot

from screens.app import FLOW, ExecutionFactory, WizardApp, create_app
from wizard.engine import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Prepared
from wizard.events import Check, Diagnosis, Done, Emit, Output, PlanReady, Progress, StepFinished, StepStarted

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
MACHINE = DATA / "tui-machine.json"
SIZE = (80, 24)


def write_answers(path: Path, env_path: str, **over: Any) -> Path:
    data: dict[str, Any] = {
        "version": 1,
        "environment": {"kind": "venv", "path": env_path},
        "profile": "llm-finetune",
        "frameworks": ["jupyter"],
        "packages": ["rich>=13"],
    }
    data.update(over)
    path.write_text(json.dumps(data), "utf-8")
    return path


class Gates:
    """Holds each step of a GatedExecution until the test releases it, and records cancels."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken  # the run ends with a failed check and its diagnosis
        self._released: set[str] = set()
        self._all = False
        self._cond = threading.Condition()
        self.cancelled = threading.Event()
        self.executions: list[GatedExecution] = []

    def release(self, *steps: str) -> None:
        with self._cond:
            self._released.update(steps)
            self._cond.notify_all()

    def release_all(self) -> None:
        with self._cond:
            self._all = True
            self._cond.notify_all()

    def wait(self, step: str) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._all or step in self._released or self.cancelled.is_set(), timeout=30)

    def cancel(self) -> None:
        self.cancelled.set()
        with self._cond:
            self._cond.notify_all()

    def factory(self, prepared: Prepared, emit: Emit) -> GatedExecution:
        run = GatedExecution(prepared, emit, self)
        self.executions.append(run)
        return run


class GatedExecution:
    """Stands in for wizard.engine.Execution: emits what a real run of the plan emits (plan,
    steps with pip-like output and download progress, checks, done), and holds before finishing
    each step until the test releases it, so every state of the install screen can be asserted on."""

    def __init__(self, prepared: Prepared, emit: Emit, gates: Gates) -> None:
        self.prepared, self.emit, self.gates = prepared, emit, gates

    def cancel(self) -> None:
        self.gates.cancel()

    def run(self) -> int:
        plan = self.prepared.plan
        env = plan.target.path
        self.emit(PlanReady(plan.to_dict()))
        total = len(plan.steps)
        for i, step in enumerate(plan.steps, 1):
            # The verify probe's path names this checkout; screenshots must not depend on where that is.
            argv = [a.replace(f"{REPO}/", "") for a in step.display_argv()]
            self.emit(StepStarted(step.id, step.title, i, total, argv, 4242))
            if step.kind == "pip":
                self.emit(Output(step.id, "Collecting torch"))
                self.emit(Output(step.id, "  Downloading torch-2.13.0-cp312-none-manylinux.whl (187.4 MB)"))
                self.emit(Progress(step.id, 74_300_000, 187_400_000))
            self.gates.wait(step.id)
            if self.gates.cancelled.is_set():
                self.emit(StepFinished(step.id, "cancelled", -15, 2.0))
                self.emit(
                    Done(
                        EXIT_INTERRUPTED,
                        "interrupted",
                        env if i > 1 else None,
                        {"log": f"{env}/.wizard/logs/20260101-120000.log"},
                    )
                )
                return EXIT_INTERRUPTED
            if step.kind == "verify":
                for name, detail in (
                    ("import pytorch", "torch 2.13.0+cu126"),
                    ("import transformers", "transformers 4.57.1"),
                    ("numpy array", "[1 2 3] * 2 = [2 4 6]"),
                    ("seeds: house-price regression", "predicts 400000 for 350"),
                ):
                    self.emit(Check(name, True, detail, 0.4))
                kernel = json.loads(step.stdin or "{}").get("kernel")
                if kernel:  # the probe's kernel group reports one check
                    self.emit(
                        Check(f"jupyter kernel {kernel['name']}", True, f"started, imported torch, runs {env}/bin/python", 0.4)
                    )
                if self.gates.broken:
                    self.emit(Check("pytorch: build", False, "torch 2.13.0+cpu: torch.version.cuda is None", 0.9))
                    self.emit(
                        Diagnosis(
                            "cpu-torch-on-gpu",
                            "error",
                            "PyTorch is a CPU build, so it cannot use the GPU.",
                            [
                                "torch 2.13.0+cpu: torch.version.cuda is None (a CPU build)",
                                "this machine: NVIDIA GeForce RTX 4090 (8.9), driver 550.54.14",
                            ],
                            "Reinstall torch from PyTorch's cu126 index.",
                            f"{env}/bin/python -m pip install --force-reinstall --index-url "
                            "https://download.pytorch.org/whl/cu126 torch",
                        )
                    )
            if step.kind == "pip":
                self.emit(Output(step.id, "Successfully installed torch-2.13.0"))
            self.emit(StepFinished(step.id, "ok", 0, 1.5))
        meta = f"{env}/.wizard"
        code = EXIT_FAILED if self.gates.broken else EXIT_OK
        self.emit(
            Done(
                code,
                "a step or check failed" if self.gates.broken else "environment ready",
                env,
                {
                    "answers": f"{meta}/answers.json",
                    "report_json": f"{meta}/report.json",
                    "report_md": f"{meta}/report.md",
                    "log": f"{meta}/logs/20260101-120000.log",
                },
            )
        )
        return code


def make_app(
    prefill: Path | None,
    machine: Path | None = MACHINE,
    *,
    execution_factory: ExecutionFactory | None = None,
    clock: MockClock | None = None,
    detect: Callable[[], Any] | None = None,
) -> WizardApp:
    """The app exactly as `run_app` builds it, with the test's runner, a fixed clock and no blinking cursor."""
    kwargs: dict[str, Any] = {"clock": clock or MockClock(), "cursor_blink": False, "detect": detect}
    if execution_factory is not None:
        kwargs["execution_factory"] = execution_factory
    return create_app(prefill, machine, **kwargs)


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 15.0) -> None:
    """Let the app run until `predicate()` holds: worker threads report asynchronously. The limit
    only matters when the test fails; a loaded machine (a parallel run) needs a generous one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            await pilot.pause()  # and let the screen repaint what made it true
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {getattr(predicate, '__name__', predicate)}")


def screen_text(app: WizardApp) -> str:
    """The screen as plain text, the way a person reads it."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens, simplify=True))
    return console.export_text()


def plain(renderable: Any) -> str:
    """A widget's renderable as text, wide enough that nothing wraps."""
    console = Console(width=400, file=io.StringIO(), color_system=None, record=True)
    console.print(renderable)
    return console.export_text()


def flat_text(app: WizardApp) -> str:
    """The screen's words on one line: wrapped lines join up again."""
    return " ".join(screen_text(app).split())


async def enter_until(pilot: Pilot[Any], app: WizardApp, name: str) -> None:
    """Press Enter on each screen of the app's flow, from the one showing, until `name` shows."""
    current = next(i for i, stage in enumerate(FLOW) if stage.screen == type(app.screen).__name__)
    for stage in FLOW[current:]:
        if stage.screen == name:
            break
        await wait_for(pilot, on_screen(app, stage.screen))
        if stage.screen == "ReviewScreen":
            await wait_for(pilot, lambda: app.session.prepared is not None)
        await pilot.press("enter")
    await wait_for(pilot, on_screen(app, name))


async def start_at(pilot: Pilot[Any], app: WizardApp, name: str) -> None:
    """Open the flow at screen `name` for a test about that screen: the stages before it are pushed
    and mounted in order (so each mount's work is done, the hardware screen hands over the machine,
    and Escape goes back through them) without each being painted and pressed through. Accepting a
    prefilled screen changes no answer (test_enter_through_every_screen_performs_the_prefilled_setup
    walks the flow by Enter), so the session is what `enter_until` leaves. Not past the review: its
    plan is started when it shows."""
    names = [stage.screen for stage in FLOW]
    assert names.index(name) <= names.index("ReviewScreen")
    current = names.index(type(app.screen).__name__)
    for stage in FLOW[current + 1 : names.index(name) + 1]:
        await app.push_screen(stage.load()())
    await wait_for(pilot, on_screen(app, name))


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type `text` into the focused widget: a key event per character, as `pilot.press(*text)` sends,
    queued at once and waited for once, instead of letting the app go idle after every key."""
    for char in text:
        key = events.Key(char if char.isalnum() else _character_to_key(char), char)
        key.set_sender(pilot.app)
        pilot.app.post_message(key)
    await pilot.pause()


def on_screen(app: WizardApp, name: str) -> Callable[[], bool]:
    def check() -> bool:
        return type(app.screen).__name__ == name

    check.__name__ = f"screen {name}"
    return check
