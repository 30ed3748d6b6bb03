"""Step 6: the install, live. Overall progress by step, bytes of the current download, a spinner
while pip works without reporting progress, elapsed time, and the output in a bounded `Log`.

The app owns the install thread; this screen only drains its events every 50 ms, so a flood of
output costs one `write_lines` per tick and the keyboard stays responsive. Cancelling takes Ctrl+C
and a confirmation (Enter never cancels); afterwards the screen says what state the environment is in.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Label, Log, ProgressBar, Static

from screens.base import WizardScreen
from screens.dialogs import ConfirmScreen
from screens.event_buffer import Batch, EventBuffer
from wizard.engine import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, Prepared
from wizard.events import Check, Diagnosis, Done, Error, PlanReady, Progress, StepFinished, StepStarted

TICK_S = 0.05
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def size_text(n: int) -> str:
    for unit in ("B", "kB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n:.1f} GB"


def clock_text(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def environment_state(done: Done, prepared: Prepared, started: list[StepStarted], finished: dict[str, StepFinished]) -> str:
    """What a person needs to know after the run: is the environment usable, partly there, or absent."""
    target = prepared.plan.target
    ok_steps = [s.title for s in started if finished.get(s.step) and finished[s.step].status in ("ok", "skipped")]
    stopped = next((s for s in started if s.step not in finished or finished[s.step].status in ("failed", "cancelled")), None)
    if done.exit_code == EXIT_OK:
        return f"✓ The environment at {target.path} is ready."
    if done.exit_code == EXIT_INVALID:
        return f"✗ The preflight {done.summary}. Nothing was created or installed."
    failed_checks = done.exit_code != EXIT_INTERRUPTED and stopped is None
    if failed_checks:
        return f"✗ Everything installed into {target.path}, but some checks failed: see the next screen."
    verb = "Cancelled" if done.exit_code == EXIT_INTERRUPTED else "Failed"
    where = f" during step {stopped.index} ({stopped.title})" if stopped else ""
    if done.environment:
        kept = f" Finished: {', '.join(ok_steps)}." if ok_steps else ""
        return (f"{verb}{where}. The environment at {target.path} exists but is not complete.{kept} "
                "Packages of the interrupted step may be partly installed. Run the wizard again with the same "
                "answers to finish: finished steps are skipped.")
    if target.kind != "existing" and not target.reuse and Path(target.path).exists():
        return (f"{verb}{where}, while the environment was being created: {target.path} is incomplete and not "
                "usable. Delete it before trying again.")
    return f"{verb}{where}. Nothing was created."


class InstallScreen(WizardScreen):
    CSS_PATH = "install.tcss"
    STEP = 6
    BACK = False
    AUTO_FOCUS = "#log"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "cancel_install", "Cancel install", priority=True),
        Binding("escape", "back", "Back to review"),
    ]

    def __init__(self, prepared: Prepared) -> None:
        super().__init__()
        self.prepared = prepared
        self.buffer: EventBuffer | None = None
        self.started: list[StepStarted] = []
        self.finished: dict[str, StepFinished] = {}
        self.checks: list[Check] = []
        self.diagnoses: list[Diagnosis] = []
        self.done: Done | None = None
        self.total = len(prepared.plan.steps)
        self.began = 0.0
        self.ended: float | None = None
        self.cancelling = False
        self.shown: dict[str, str] = {}

    def body(self) -> ComposeResult:
        with Horizontal(classes="row", id="head-row"):
            yield Static(f"Installing into {self.prepared.plan.target.path}", id="target", markup=False)
            yield Static("0:00", id="elapsed", markup=False)
        with Horizontal(classes="row"):
            yield Label("Steps   ", classes="row-label")
            yield ProgressBar(total=self.total, show_eta=False, show_percentage=False, id="steps",
                              clock=self.wizard.clock)
            yield Static(f"0 of {self.total} done", id="steps-text", markup=False)
        yield Static("Starting…", id="current", markup=False)
        with Horizontal(classes="row", id="download-row"):
            yield Label("Download", classes="row-label")
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="download", clock=self.wizard.clock)
            yield Static("", id="download-text", markup=False)
        yield Log(max_lines=self.wizard.log_max_lines, id="log")
        yield Static("", id="outcome", markup=False)

    def show(self, widget_id: str, text: str) -> None:
        """Update a one-line status only when its text changes, and without a layout pass: these
        lines have fixed sizes, and a flood must not cost a full-screen reflow per tick."""
        if self.shown.get(widget_id) != text:
            self.shown[widget_id] = text
            self.query_one(f"#{widget_id}", Static).update(text, layout=False)

    def on_mount(self) -> None:
        self.query_one("#download-row").display = False
        self.query_one("#primary").display = False
        self.call_after_refresh(self.start)

    def start(self) -> None:
        """Start the run once the screen has painted: laying out a new screen and streaming a flood
        would otherwise compete, and the person sees where they are before anything happens."""
        self.began = self.wizard.clock.time
        self.buffer = self.wizard.start_install(self.prepared)
        if self.cancelling:   # confirmed in the instant before the run began
            self.wizard.cancel_install()
        self.set_interval(TICK_S, self.tick)

    # -- keys -------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Until the run has started (the first refresh) it counts as running too."""
        return self.buffer is None or self.wizard.install_running

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        running = self.running
        if action == "back":
            return not running
        if action == "cancel_install":
            return running and not self.cancelling
        if action == "primary":
            return not running
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cancel_install(self) -> None:
        def answered(confirmed: bool | None) -> None:
            if confirmed and self.running:
                self.cancelling = True
                self.wizard.cancel_install()
                self.show("current", "Cancelling: stopping pip and everything it started…")
                self.refresh_bindings()

        self.app.push_screen(ConfirmScreen("Cancel the install? pip and everything it started are stopped; the "
                                           "environment may be left partly installed.",
                                           yes="Cancel install", no="Keep installing"), answered)

    def action_primary(self) -> None:
        if self.running:
            return   # Enter during an install does nothing, least of all cancel
        from screens.verify import VerifyScreen

        self.app.push_screen(VerifyScreen(self.prepared, self.checks, self.diagnoses, self.done))

    # -- the live view ----------------------------------------------------------------------------------

    def tick(self) -> None:
        worker = self.wizard.install_worker
        ended = worker is not None and worker.is_finished   # read first: then every event it emitted is in the batch
        assert self.buffer is not None
        batch = self.buffer.drain()
        self.apply(batch)
        now = self.wizard.clock.time
        self.show("elapsed", clock_text((self.ended if self.ended is not None else now) - self.began))
        if self.done is None and not self.cancelling and self.started:
            last = self.started[-1]
            if last.step not in self.finished:
                frame = SPINNER[int(now * 10) % len(SPINNER)]
                self.show("current", f"{frame} Step {last.index} of {last.total}: {last.title}")
        if ended and self.done is None and self.ended is None:
            self.finish("The install stopped unexpectedly; the error screen said where the details are.")

    def apply(self, batch: Batch) -> None:
        log = self.query_one("#log", Log)
        if batch.dropped:
            log.write_line(f"… {batch.dropped} lines not shown here; the log file has all of them")
        if batch.lines:
            log.write_lines(batch.lines)
        for event in batch.events:
            if isinstance(event, PlanReady):
                self.total = len(event.plan["steps"])
                self.query_one("#steps", ProgressBar).update(total=self.total)
            elif isinstance(event, StepStarted):
                self.started.append(event)
                self.query_one("#download-row").display = False
            elif isinstance(event, StepFinished):
                self.finished[event.step] = event
                self.query_one("#steps", ProgressBar).update(progress=len(self.finished))
                self.show("steps-text", f"{len(self.finished)} of {self.total} done")
                self.query_one("#download-row").display = False
            elif isinstance(event, Check):
                self.checks.append(event)
            elif isinstance(event, Diagnosis):
                self.diagnoses.append(event)
            elif isinstance(event, Error):   # the preflight refused: nothing was changed
                log.write_line(f"error: {event.message}" + (f" (hint: {event.hint})" if event.hint else ""))
            elif isinstance(event, Done):
                self.done = event
                self.finish(environment_state(event, self.prepared, self.started, self.finished))
        if batch.progress is not None and batch.progress.step not in self.finished:
            self.show_download(batch.progress)

    def show_download(self, progress: Progress) -> None:
        self.query_one("#download-row").display = True
        self.query_one("#download", ProgressBar).update(total=progress.total or None, progress=progress.done)
        text = size_text(progress.done) + (f" of {size_text(progress.total)}" if progress.total else "")
        self.show("download-text", text)

    def finish(self, message: str) -> None:
        self.ended = self.wizard.clock.time
        ok = self.done is not None and self.done.exit_code == EXIT_OK
        self.show("current", self.done.summary.capitalize() if self.done else "Stopped")
        outcome = self.query_one("#outcome", Static)
        outcome.update(message)
        outcome.set_class(ok, "ok")
        outcome.set_class(not ok, "problem")
        primary = self.query_one("#primary")
        primary.display = True
        primary.focus()
        self.refresh_bindings()
