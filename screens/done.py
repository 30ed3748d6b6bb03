"""How to use the environment, where the answers, report and log are, and the command
that replays this setup unattended."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import WizardScreen
from wizard.advice import activate_command, environment_usable, replay_command
from wizard.engine import Prepared
from wizard.events import Done
from wizard.exit_codes import EXIT_FAILED, EXIT_OK
from wizard.vscode import how_to_pick

FILE_LABELS = {
    "answers": "Answers",
    "lock": "Lock",
    "report_md": "Report",
    "report_json": "Report (JSON)",
    "log": "Log",
    "vscode_settings": "VS Code settings",
}


def done_renderable(prepared: Prepared, done: Done | None) -> Group:
    """Outcome, activation, the replay command, then the files; paths wrap inside their column."""
    if done is None:
        return Group(Text("The install stopped unexpectedly.", style="bold red"))
    ok = done.exit_code == EXIT_OK
    parts: list[RenderableType] = [
        Text(
            f"{'✓' if ok else '✗'} {done.summary.capitalize()} (exit code {done.exit_code})\n",
            style="bold green" if ok else "bold red",
        )
    ]

    def section(title: str, rows: list[tuple[str, str]]) -> None:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        for label, value in rows:
            grid.add_row("", label, value)
        parts.extend([Text(title, style="bold"), grid, Text()])

    if environment_usable(done):
        section("Activate it", [("", activate_command(prepared.plan.target, prepared.machine.os))])
    elif done.environment:
        section("Not ready to use", [("", "the environment is incomplete: run the replay command below to finish it")])
    answers = done.files.get("answers")
    if answers:
        section("Replay this setup unattended, here or on another machine", [("", replay_command(answers))])
    else:
        section("Nothing was saved for a replay", [("", "no environment was made, so no answers file was written")])
    files = [(FILE_LABELS[k], v) for k, v in done.files.items() if k in FILE_LABELS]
    if files:
        section("Files", files)
    if done.environment and ok:
        section("Use it in an editor", [("", line) for line in how_to_pick(done.environment)])
    return Group(*parts)


class DoneScreen(WizardScreen):
    CSS_PATH = "done.tcss"
    PRIMARY_LABEL = "Finish"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "primary", "Finish")]

    def body(self) -> ComposeResult:
        session = self.wizard.session
        assert session.prepared is not None
        with VerticalScroll(id="done-box"):
            yield Static(done_renderable(session.prepared, session.run.done), id="done", markup=False)

    def action_primary(self) -> None:
        """Finish: the terminal keeps the summary (activate, report, replay) once the screen closes."""
        done = self.wizard.session.run.done
        self.app.exit(done.exit_code if done is not None else EXIT_FAILED)
