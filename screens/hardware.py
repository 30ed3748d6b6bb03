"""Step 2: the machine as the planner sees it. Detection runs in a worker thread (it probes every
interpreter and the GPU driver), so the screen paints at once and fills in."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from screens.base import WizardScreen
from wizard.detect_render import render_machine
from wizard.machine import Machine

DETECTING = "Detecting the hardware and the Python interpreters…"
LABELLED = re.compile(r"^(\S.*?) {2,}(.*)$")


def machine_table(summary: str) -> Table:
    """`render_machine`'s "Label    text" lines as two columns, so a long line wraps under its text."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1, overflow="fold")
    for line in summary.splitlines():
        m = LABELLED.match(line)
        label, text = (m.group(1), m.group(2)) if m else ("", line.strip())
        table.add_row(label, Text(text, style="yellow" if label == "Warning" or "not usable" in text else ""))
    return table


class HardwareScreen(WizardScreen):
    CSS_PATH = "hardware.tcss"
    STEP = 2

    def body(self) -> ComposeResult:
        with VerticalScroll(classes="content"):
            yield Static(id="source", classes="hint", markup=False)
            yield Static(DETECTING, id="machine", markup=False)

    def on_mount(self) -> None:
        if self.wizard.machine is not None:
            self.show(self.wizard.machine)
        else:
            self.run_worker(self.wizard.detect, name="detect", thread=True, exit_on_error=False)

    def work_done(self, worker: Worker[object]) -> None:
        if worker.name == "detect" and isinstance(worker.result, Machine):
            self.wizard.machine = worker.result
            self.show(worker.result)

    def show(self, machine: Machine) -> None:
        source = self.wizard.machine_source
        self.query_one("#source", Static).update(f"From the machine file {source}" if source else "Detected on this machine")
        self.query_one("#machine", Static).update(machine_table(render_machine(machine)))

    def action_primary(self) -> None:
        if self.wizard.machine is None:
            self.notify("Still detecting; a moment.", severity="warning")
            return
        from screens.environment import EnvironmentScreen

        self.app.push_screen(EnvironmentScreen())
