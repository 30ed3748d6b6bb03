"""The wizard's Textual app and its one factory, `create_app`, used by the command line and the tests.

The app owns what outlives a screen: the answers being filled, the machine, and the install worker
thread (popping a screen would cancel a worker it owned, but not the pip it started). Tests inject
the detection function, the execution factory (a runner they gate) and the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

import msgspec
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.clock import Clock
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from screens.base import MIN_HEIGHT, MIN_WIDTH, WizardScreen
from wizard.answers import Answers, Environment, load_answers
from wizard.catalog import Catalog, load_catalog
from wizard.events import Done, Event
from wizard.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED
from wizard.machine import Machine, load_machine
from wizard.paths import state_dir
from wizard.session import Session

if TYPE_CHECKING:
    from screens.event_buffer import EventBuffer
    from wizard.engine import Prepared
    from wizard.events import Emit

LOG_MAX_LINES = 2000  # the install screen keeps this many lines; the log file keeps all
BATCH_MAX_LINES = 500  # at most this many new lines per 50 ms tick: a flood is thinned, never queued
QUIT_WAIT_S = 10.0


class Installer(Protocol):
    """What the install screen drives: `wizard.engine.Execution`, or a test's gated stand-in."""

    def run(self) -> int: ...

    def cancel(self) -> None: ...


ExecutionFactory = Callable[["Prepared", "Emit"], Installer]


def default_answers() -> Answers:
    """The choices offered when no answers file prefills them: a new venv; the profile follows the
    machine once it is known (`WizardApp.machine_ready`)."""
    return Answers(version=1, environment=Environment(kind="venv", path="~/envs/llm"), profile="llm-finetune")


@dataclass(frozen=True)
class Stage:
    """One screen of the flow: its title, and where its class lives (imported when it is first shown)."""

    title: str
    module: str
    screen: str

    def load(self) -> type[WizardScreen]:
        cls: type[WizardScreen] = getattr(importlib.import_module(self.module), self.screen)
        return cls


# The one place the screen order is written: screens call advance()/back() and never name another.
FLOW: tuple[Stage, ...] = (
    Stage("Welcome", "screens.welcome", "WelcomeScreen"),
    Stage("Hardware", "screens.hardware", "HardwareScreen"),
    Stage("Python environment", "screens.environment", "EnvironmentScreen"),
    Stage("Options", "screens.options", "OptionsScreen"),
    Stage("Frameworks", "screens.frameworks", "FrameworksScreen"),
    Stage("Review", "screens.review", "ReviewScreen"),
    Stage("Install", "screens.install", "InstallScreen"),
    Stage("Verify", "screens.verify", "VerifyScreen"),
    Stage("Done", "screens.done", "DoneScreen"),
)


class WizardApp(App[int]):
    """Owns the flow (FLOW, `advance`, `back`) and the session the screens fill; Escape goes back,
    the install screen cannot be left while pip runs, and Ctrl+Q asks first while it does."""

    # Every screen's CSS, read once before the first frame. A screen bringing a CSS file the app has not
    # read makes Textual re-parse the whole stylesheet (every widget's default CSS too) and restyle every
    # node as it is first shown; the screens keep their CSS_PATH, which then names files already read.
    # Each file's rules are scoped to its screen's type, so reading them all up front changes no style.
    CSS_PATH = ["app.tcss", *sorted(p.name for p in Path(__file__).parent.glob("*.tcss") if p.name != "app.tcss")]  # noqa: RUF012 - typed by App
    TITLE = "LLM environment setup"
    ENABLE_COMMAND_PALETTE = False
    # Below 80×24 every screen gets a class that shows "terminal too small" instead of its content.
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (MIN_WIDTH, "-wide-enough")]  # noqa: RUF012 - typed by App
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_HEIGHT, "-tall-enough")]  # noqa: RUF012 - typed by App
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(
        self,
        *,
        answers: Answers,
        catalog: Catalog,
        machine: Machine | None,
        detect: Callable[[], Machine],
        execution_factory: ExecutionFactory | None,
        clock: Clock,
        prefill_source: Path | None = None,
        machine_source: Path | None = None,
        cursor_blink: bool = True,
        log_max_lines: int = LOG_MAX_LINES,
    ) -> None:
        super().__init__()
        self.session = Session(answers, catalog, machine, prefill_source, machine_source)
        self.detect = detect
        self.execution_factory = execution_factory  # None: the engine's Execution
        self.clock = clock
        self.cursor_blink = cursor_blink
        self.exit_lines: list[str] = []  # printed to the terminal once the screen has closed
        self.profile_suggested = False  # once: later the profile is the person's own choice
        self.log_max_lines = log_max_lines
        self.execution: Installer | None = None
        self.install_worker: Worker[int] | None = None
        self.install_ended = threading.Event()  # set in the run's thread when the engine returns
        self.exit_code: int | None = None  # the finished install's; None until one finishes
        self.run_done: Done | None = None  # the run's last event, straight from its thread

    def get_default_screen(self) -> Screen[None]:
        """The first stage is the bottom of the stack: no blank default screen to build first."""
        return FLOW[0].load()()

    # -- the flow -------------------------------------------------------------------------------------

    def stage_of(self, screen: WizardScreen) -> int:
        """The screen's place in the flow, from 0."""
        names = {cls.__name__ for cls in type(screen).__mro__}  # a subclass keeps its stage
        return next(i for i, stage in enumerate(FLOW) if stage.screen in names)

    def step_title(self, screen: WizardScreen) -> str:
        i = self.stage_of(screen)
        return f"Step {i + 1} of {len(FLOW)}: {FLOW[i].title}"

    def advance(self) -> None:
        """Show the stage after the current screen's."""
        screen = self.screen
        assert isinstance(screen, WizardScreen)
        self.push_screen(FLOW[self.stage_of(screen) + 1].load()())

    def back(self) -> None:
        """Back one stage; the screen left behind keeps its choices in the session first."""
        screen = self.screen
        if isinstance(screen, WizardScreen):
            screen.keep_choices()
        self.pop_screen()

    def machine_ready(self, machine: Machine) -> None:
        """The machine is known (the hardware screen shows it): without a prefill, the starting
        profile becomes the one that suits it."""
        from wizard.advice import default_profile

        session = self.session
        session.machine = machine
        if session.prefill_source is None and not self.profile_suggested:
            self.profile_suggested = True
            profile = default_profile(machine, session.catalog)
            session.answers = msgspec.structs.replace(session.answers, profile=profile)

    @property
    def too_small(self) -> bool:
        return self.size.width < MIN_WIDTH or self.size.height < MIN_HEIGHT

    async def on_event(self, event: events.Event) -> None:
        """While "terminal too small" hides the screen, keys and clicks must not act on what nobody
        can see: only quit gets through."""
        if (
            isinstance(event, (events.Key, events.MouseEvent))
            and not event.is_forwarded
            and self.too_small
            and not (isinstance(event, events.Key) and event.key == "ctrl+q")
        ):
            return
        await super().on_event(event)

    def on_mount(self) -> None:
        if not self.is_headless:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, self._on_hangup)
            loop.add_signal_handler(signal.SIGTERM, self.exit, EXIT_INTERRUPTED)
        self.call_after_refresh(self.run_worker, _warm_up, name="warm-up", thread=True, exit_on_error=False)

    def exit(self, result: int | None = None, return_code: int = 0, message: object | None = None) -> None:
        """However the app ends, pip must not outlive it (and the app waits for its thread)."""
        self.cancel_install()
        if not self.exit_lines:
            self.exit_lines = self.summary()
        super().exit(result, return_code, message)  # type: ignore[arg-type]

    def summary(self) -> list[str]:
        """What the terminal keeps after the screen closes: how to activate, the report, the replay."""
        from wizard.advice import exit_summary

        session = self.session
        prepared = session.prepared
        done = session.run.done or self.run_done  # quit mid-install: the screen may not have drained it yet
        if self.execution is None:
            return ["The wizard closed before anything was installed; nothing was changed."]
        if done is None:
            log = self.install_log_path()
            return ["The install did not finish." + (f" Its log: {log}" if log else "")]
        return exit_summary(done, prepared.plan.target if prepared else None, session.machine.os if session.machine else "linux")

    def _on_hangup(self) -> None:
        """The SSH link or the terminal went away: stop pip's process group, let the run record
        that, then leave. Not through Textual's shutdown: it restores a terminal that no longer
        exists, and can block on it for ever."""
        self.cancel_install()

        def leave() -> None:
            if self.install_worker is not None:
                self.install_ended.wait(QUIT_WAIT_S)
            os._exit(EXIT_INTERRUPTED)

        threading.Thread(target=leave, name="hangup", daemon=True).start()

    # -- the install, owned here so it outlives any screen ------------------------------------------

    @property
    def install_running(self) -> bool:
        return self.install_worker is not None and not self.install_worker.is_finished

    def start_install(self) -> EventBuffer:
        """Start the session's plan in a thread worker owned by the app (it outlives screens); the
        returned buffer is what the install screen drains."""
        from screens.event_buffer import EventBuffer

        prepared = self.session.prepared
        assert prepared is not None, "the review screen plans first"
        buffer = EventBuffer(BATCH_MAX_LINES)
        self.session.new_run()
        self.exit_code = None
        factory = self.execution_factory
        if factory is None:
            from wizard.engine import Execution

            factory = Execution
        self.run_done = None

        def emit(event: Event) -> None:
            buffer(event)
            if isinstance(event, Done):  # for the exit summary, however the app ends
                self.run_done = event

        execution = self.execution = factory(prepared, emit)
        ended = self.install_ended = threading.Event()

        def run() -> int:
            try:
                return execution.run()
            finally:
                ended.set()

        self.install_worker = self.run_worker(run, name="install", group="install", thread=True, exit_on_error=False)
        return buffer

    def cancel_install(self) -> None:
        """Thread-safe: the engine ends pip's whole process group."""
        if self.execution is not None and self.install_running:
            self.execution.cancel()

    def install_log_path(self) -> str | None:
        runner = getattr(self.execution, "runner", None)
        log = getattr(runner, "log", None)
        return str(log.path) if log is not None else None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.install_worker:
            return
        if event.state is WorkerState.SUCCESS:
            self.exit_code = event.worker.result
        elif event.state is WorkerState.ERROR and event.worker.error is not None:
            self.exit_code = EXIT_FAILED
            self.show_error(event.worker.error)

    # -- errors and quitting --------------------------------------------------------------------------

    def show_error(self, error: BaseException) -> None:
        """An unexpected exception, as one line plus where its traceback and the run's log are."""
        from screens.dialogs import ErrorScreen

        logs = [("Details", path) for path in [_write_crash_log(error)] if path]
        install_log = self.install_log_path()
        if install_log:
            logs.append(("Install log", install_log))
        message = f"{type(error).__name__}: {error}".splitlines()[0]

        def done(quit_app: bool | None) -> None:
            if quit_app:
                self.exit(EXIT_FAILED)

        self.push_screen(ErrorScreen(message, logs), done)

    async def action_quit(self) -> None:
        """Quit at once, except during an install: ask, cancel it, wait for pip to end, then leave."""
        if not self.install_running:
            self.exit(self.exit_code if self.exit_code is not None else EXIT_INTERRUPTED)
            return

        from screens.dialogs import ConfirmScreen

        async def stop(confirmed: bool | None) -> None:
            if not confirmed:
                return
            self.cancel_install()
            if self.install_worker is not None:
                with contextlib.suppress(Exception):  # leaving anyway; an error was already shown or logged
                    await asyncio.wait_for(self.install_worker.wait(), QUIT_WAIT_S)
            self.exit(EXIT_INTERRUPTED)

        await self.push_screen(
            ConfirmScreen(
                "An install is running. Quit and stop it? The environment may be left partly installed.",
                yes="Quit",
                no="Keep installing",
            ),
            stop,
        )


def _warm_up() -> None:
    """After the first frame, while the welcome screen is read: import what the later screens need."""
    for stage in FLOW[1:]:
        stage.load()
    importlib.import_module("wizard.engine")


def _detect() -> Machine:
    from wizard.engine import detect_or_load

    return detect_or_load(None, None)


def _write_crash_log(error: BaseException) -> str | None:
    """Keep the traceback in a file, since the screen shows one line."""
    try:
        folder = state_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"wizard-error-{time.strftime('%Y%m%d-%H%M%S')}.log"
        path.write_text("".join(traceback.format_exception(error)), "utf-8")
        return str(path)
    except OSError:
        return None


def create_app(
    prefill: Path | None = None,
    machine: Path | None = None,
    *,
    detect: Callable[[], Machine] | None = None,
    execution_factory: ExecutionFactory | None = None,
    clock: Clock | None = None,
    cursor_blink: bool = True,
) -> WizardApp:
    """The app for a prefill answers file and a machine file (either optional). Invalid files raise
    InputError here, before the screen opens, so the command line reports them and exits 2."""
    catalog = load_catalog()
    answers = load_answers(prefill, catalog) if prefill is not None else default_answers()
    known = load_machine(machine) if machine is not None else None
    return WizardApp(
        answers=answers,
        catalog=catalog,
        machine=known,
        detect=detect or _detect,
        execution_factory=execution_factory,
        clock=clock or Clock(),
        prefill_source=prefill,
        machine_source=machine,
        cursor_blink=cursor_blink,
    )


def run_app(prefill: Path | None = None, machine: Path | None = None) -> int:
    """Run the wizard in this terminal; the exit code follows the command line's contract."""
    app = create_app(prefill, machine)
    result = app.run()
    for line in app.exit_lines:
        print(line)
    return result if result is not None else (app.return_code or EXIT_FAILED)
