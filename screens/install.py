"""The install, live. Overall progress by step, bytes of the current download, a spinner
while pip works without reporting progress, elapsed time, and the output in a bounded `Log`.

The app owns the install thread; this screen only drains its events every 50 ms, so a flood of
output costs one `write_lines` per tick and the keyboard stays responsive. Cancelling takes Ctrl+C
and a confirmation (Enter never cancels); afterwards the screen says what state the environment is in.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Label, Log, ProgressBar, Static

from screens.base import WizardScreen
from screens.dialogs import ConfirmScreen
from screens.event_buffer import Batch, EventBuffer
from wizard.advice import pip_phase, run_state
from wizard.engine import Prepared
from wizard.events import Check, Diagnosis, Done, Error, PlanReady, Progress, StepFinished, StepStarted
from wizard.exit_codes import EXIT_OK

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


class InstallScreen(WizardScreen):
    CSS_PATH = "install.tcss"
    BACK = False
    AUTO_FOCUS = "#log"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "cancel_install", "Cancel install", priority=True),
        Binding("escape", "back", "Back to review"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.buffer: EventBuffer | None = None
        self.began = 0.0
        self.ended: float | None = None
        self.cancelling = False
        self.shown: dict[str, str] = {}
        self.phase = ""  # what pip says it is doing, for its silent stretches
        self.follow = True  # the log follows new lines until the person scrolls up
        self.followed_to = 0.0  # where following left the log's scroll position

    @property
    def prepared(self) -> Prepared:
        prepared = self.wizard.session.prepared
        assert prepared is not None, "the review screen plans first"
        return prepared

    @property
    def total(self) -> int:
        return len(self.prepared.plan.steps)

    @property
    def done(self) -> Done | None:
        return self.wizard.session.run.done

    def body(self) -> ComposeResult:
        with Horizontal(classes="row", id="head-row"):
            yield Static(f"Installing into {self.prepared.plan.target.path}", id="target", markup=False)
            yield Static("0:00", id="elapsed", markup=False)
        with Horizontal(classes="row"):
            yield Label("Steps   ", classes="row-label")
            yield ProgressBar(total=self.total, show_eta=False, show_percentage=False, id="steps", clock=self.wizard.clock)
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
        self.hide_download()
        self.query_one("#primary").display = False
        self.call_after_refresh(self.start)

    def start(self) -> None:
        """Start the run once the screen has painted: laying out a new screen and streaming a flood
        would otherwise compete, and the person sees where they are before anything happens."""
        self.began = self.wizard.clock.time
        self.buffer = self.wizard.start_install()
        if self.cancelling:  # confirmed in the instant before the run began
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

    def action_cancel_install(self) -> None:
        def answered(confirmed: bool | None) -> None:
            if confirmed and self.running:
                self.cancelling = True
                self.wizard.cancel_install()
                self.show("current", "Cancelling: stopping pip and everything it started…")
                self.refresh_bindings()

        self.app.push_screen(
            ConfirmScreen(
                "Cancel the install? pip and everything it started are stopped; the environment may be left partly installed.",
                yes="Cancel install",
                no="Keep installing",
            ),
            answered,
        )

    def action_primary(self) -> None:
        if self.running:
            return  # Enter during an install does nothing, least of all cancel
        self.wizard.advance()

    # -- the live view ----------------------------------------------------------------------------------

    def tick(self) -> None:
        worker = self.wizard.install_worker
        ended = worker is not None and worker.is_finished  # read first: then every event it emitted is in the batch
        assert self.buffer is not None
        batch = self.buffer.drain()
        self.apply(batch)
        now = self.wizard.clock.time
        self.show("elapsed", clock_text((self.ended if self.ended is not None else now) - self.began))
        run = self.wizard.session.run
        if self.done is None and not self.cancelling and run.started:
            last = run.started[-1]
            if last.step not in run.finished:
                frame = SPINNER[int(now * 10) % len(SPINNER)]
                phase = f" — {self.phase}" if self.phase else ""
                self.show("current", f"{frame} Step {last.index} of {last.total}: {last.title}{phase}")
        self.follow_end()
        if ended and self.done is None and self.ended is None:
            self.finish("The install stopped unexpectedly; the error screen said where the details are.")

    def write_log(self, lines: list[str]) -> None:
        self.follow_end()  # note a scroll up before the new lines move the end
        self.query_one("#log", Log).write_lines(lines, scroll_end=False)
        self.follow_end()

    def follow_end(self) -> None:
        """Keep the log at its end unless the person scrolled up. The log's own "was at the end"
        test fails whenever the rows around it change height (the download bar, the outcome),
        which froze the view during downloads; so following is decided here, once per tick."""
        log = self.query_one("#log", Log)
        if log.scroll_y < self.followed_to:
            self.follow = False
        elif log.is_vertical_scroll_end:
            self.follow = True
        if self.follow and log.scroll_y != log.max_scroll_y:
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self.followed_to = log.scroll_y

    def apply(self, batch: Batch) -> None:
        lines = ([f"… {batch.dropped} lines not shown here; the log file has all of them"] if batch.dropped else []) + batch.lines
        run = self.wizard.session.run
        for line in batch.lines:
            self.phase = pip_phase(line) or self.phase
        for event in batch.events:
            if isinstance(event, PlanReady):
                self.query_one("#steps", ProgressBar).update(total=len(event.plan["steps"]))
            elif isinstance(event, StepStarted):
                run.started.append(event)
                self.phase = ""
                self.hide_download()
            elif isinstance(event, StepFinished):
                run.finished[event.step] = event
                completed = sum(f.status in ("ok", "skipped") for f in run.finished.values())
                self.query_one("#steps", ProgressBar).update(progress=completed)
                self.show("steps-text", f"{completed} of {self.total} done")
                self.hide_download()
            elif isinstance(event, Check):
                run.checks.append(event)
            elif isinstance(event, Diagnosis):
                run.diagnoses.append(event)
            elif isinstance(event, Error):  # the preflight refused: nothing was changed
                lines.append(f"error: {event.message}" + (f" (hint: {event.hint})" if event.hint else ""))
            elif isinstance(event, Done):
                run.done = event
        if lines:
            self.write_log(lines)
        if batch.progress is not None and batch.progress.step not in run.finished:
            self.show_download(batch.progress)
        if self.done is not None and self.ended is None:
            self.finish(run_state(self.done, self.prepared.plan.target, run.started, run.finished))

    def hide_download(self) -> None:
        self.query_one("#download-row").visible = False

    def show_download(self, progress: Progress) -> None:
        """The current file's bytes; once it is all there the bar goes, so it never stands at a
        finished file while pip works on."""
        if progress.total and progress.done >= progress.total:
            self.hide_download()
            return
        self.query_one("#download-row").visible = True
        self.query_one("#download", ProgressBar).update(total=progress.total or None, progress=progress.done)
        text = size_text(progress.done) + (f" of {size_text(progress.total)}" if progress.total else "")
        self.show("download-text", text)

    def finish(self, message: str) -> None:
        self.ended = self.wizard.clock.time
        ok = self.done is not None and self.done.exit_code == EXIT_OK
        self.show("current", self.done.summary.capitalize() if self.done else "Stopped")
        self.hide_download()
        outcome = self.query_one("#outcome", Static)
        outcome.update(message)
        outcome.set_class(ok, "ok")
        outcome.set_class(not ok, "problem")
        primary = self.query_one("#primary")
        primary.display = True
        primary.focus()
        self.refresh_bindings()
