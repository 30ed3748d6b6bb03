"""Step 8: how to use the environment, where the answers, report and log are, and the command
that replays this setup unattended."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import WizardScreen
from wizard.engine import EXIT_FAILED, EXIT_OK, Prepared
from wizard.events import Done
from wizard.vscode import how_to_pick

FILE_LABELS = {"answers": "Answers", "lock": "Lock", "report_md": "Report", "report_json": "Report (JSON)", "log": "Log",
               "vscode_settings": "VS Code settings"}


def activate_command(prepared: Prepared) -> str:
    target = prepared.plan.target
    if target.kind == "conda" or (Path(target.path) / "conda-meta").is_dir():
        return f"conda activate {shlex.quote(target.path)}"
    if prepared.machine.os == "windows":
        return f"{target.path}\\Scripts\\activate"
    return f"source {shlex.quote(str(Path(target.path) / 'bin' / 'activate'))}"


def done_renderable(prepared: Prepared, done: Done | None) -> Group:
    """Outcome, activation, the replay command, then the files; paths wrap inside their column."""
    if done is None:
        return Group(Text("The install stopped unexpectedly.", style="bold red"))
    ok = done.exit_code == EXIT_OK
    parts: list[RenderableType] = [Text(f"{'✓' if ok else '✗'} {done.summary.capitalize()} (exit code {done.exit_code})\n",
                                        style="bold green" if ok else "bold red")]

    def section(title: str, rows: list[tuple[str, str]]) -> None:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        for label, value in rows:
            grid.add_row("", label, value)
        parts.extend([Text(title, style="bold"), grid, Text()])

    if done.environment:
        section("Activate it", [("", activate_command(prepared))])
    answers = done.files.get("answers")
    if answers:
        section("Replay this setup unattended, here or on another machine",
                [("", f"python -m wizard --answers {shlex.quote(answers)}")])
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
    STEP = 8
    PRIMARY_LABEL = "Finish"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "primary", "Finish")]

    def __init__(self, prepared: Prepared, done: Done | None) -> None:
        super().__init__()
        self.prepared, self.done = prepared, done

    def body(self) -> ComposeResult:
        with VerticalScroll(id="done-box"):
            yield Static(done_renderable(self.prepared, self.done), id="done", markup=False)

    def action_primary(self) -> None:
        self.app.exit(self.done.exit_code if self.done is not None else EXIT_FAILED)
