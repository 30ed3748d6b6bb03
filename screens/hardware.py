"""Step 2: the machine as the planner sees it. Detection runs in a worker thread (it probes every
interpreter and the GPU driver), so the screen paints at once and fills in."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from screens.base import WizardScreen
from wizard.builds import min_driver
from wizard.catalog import Catalog, expand
from wizard.detect_render import render_machine
from wizard.machine import Machine

DETECTING = "Detecting the hardware and the Python interpreters…"
LABELLED = re.compile(r"^(\S.*?) {2,}(.*)$")


def setup_warnings(machine: Machine, catalog: Catalog) -> list[str]:
    """What this machine means for a setup, beyond the detection summary's own warnings: a driver
    too old for current CUDA builds, and less disk than the largest profile needs."""
    out = []
    driver = machine.nvidia.driver if machine.nvidia else None
    need = min_driver(machine, catalog, 12)
    try:
        old = driver is not None and need is not None and Version(driver) < Version(need)
    except InvalidVersion:
        old = False
    if old:
        out.append(f"driver {driver} is older than {need}, the oldest that runs CUDA 12 builds: frameworks get "
                   "older CUDA builds or CPU builds here; a newer driver gives current ones")
    largest = max((sum(catalog.frameworks[f].size_mb for f in expand(catalog, p, [])) for p in catalog.profiles),
                  default=0) * 1_000_000
    free = machine.disk_free_bytes
    if free is not None and free < largest:
        out.append(f"{free / 1e9:.1f} GB free: the largest profile needs about {largest / 1e9:.1f} GB")
    return out


def machine_table(summary: str, warnings: list[str]) -> Table:
    """`render_machine`'s "Label    text" lines as two columns, so a long line wraps under its text."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1, overflow="fold")
    rows = [(m.group(1), m.group(2)) if m else ("", line.strip())
            for line in summary.splitlines() for m in [LABELLED.match(line)]]
    for label, text in rows + [("Warning", w) for w in warnings]:
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
        warnings = setup_warnings(machine, self.wizard.catalog)
        self.query_one("#machine", Static).update(machine_table(render_machine(machine), warnings))

    def action_primary(self) -> None:
        if self.wizard.machine is None:
            self.notify("Still detecting; a moment.", severity="warning")
            return
        from screens.environment import EnvironmentScreen

        self.app.push_screen(EnvironmentScreen())
