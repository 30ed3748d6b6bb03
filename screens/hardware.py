"""The machine as the planner sees it. Detection runs in a worker thread (it probes every
interpreter and the GPU driver), so the screen paints at once and fills in."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from screens.base import WizardScreen
from wizard.advice import machine_warnings
from wizard.detect_render import render_machine
from wizard.machine import Machine

DETECTING = "Detecting the hardware and the Python interpreters…"
LABELLED = re.compile(r"^(\S.*?) {2,}(.*)$")


def machine_table(summary: str, warnings: list[str]) -> Table:
    """`render_machine`'s "Label    text" lines as two columns, so a long line wraps under its text."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1, overflow="fold")
    rows = [
        (m.group(1), m.group(2)) if m else ("", line.strip()) for line in summary.splitlines() for m in [LABELLED.match(line)]
    ]
    for label, text in rows + [("Warning", w) for w in warnings]:
        table.add_row(label, Text(text, style="yellow" if label == "Warning" or "not usable" in text else ""))
    return table


class HardwareScreen(WizardScreen):
    CSS_PATH = "hardware.tcss"

    def body(self) -> ComposeResult:
        with VerticalScroll(classes="content"):
            yield Static(id="source", classes="hint", markup=False)
            yield Static(DETECTING, id="machine", markup=False)

    def on_mount(self) -> None:
        machine = self.wizard.session.machine
        if machine is not None:
            self.detected(machine)
        else:
            self.detect()

    @work(thread=True, exclusive=True, exit_on_error=False, name="detect")
    def detect(self) -> None:
        """Exclusive, and its result dropped once cancelled (the screen was left meanwhile)."""
        machine = self.wizard.detect()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.detected, machine)

    def detected(self, machine: Machine) -> None:
        self.wizard.machine_ready(machine)
        self.show(machine)

    def show(self, machine: Machine) -> None:
        source = self.wizard.session.machine_source
        self.query_one("#source", Static).update(f"From the machine file {source}" if source else "Detected on this machine")
        warnings = machine_warnings(machine, self.wizard.session.catalog)
        self.query_one("#machine", Static).update(machine_table(render_machine(machine), warnings))

    def action_primary(self) -> None:
        if self.wizard.session.machine is None:
            self.notify("Still detecting; a moment.", severity="warning")
            return
        self.wizard.advance()
