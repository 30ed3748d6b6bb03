"""Step 7: each check the engine ran inside the new environment, ✓ or ✗ with its detail, and the
diagnoses behind failed or suspicious checks, worded as the headless output words them."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import WizardScreen
from wizard.engine import Prepared
from wizard.events import Check, Diagnosis, Done
from wizard.output import render_diagnosis


def checks_table(checks: list[Check]) -> Table:
    """One row per check: mark, name, and the detail wrapping in its own column."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, style="bold", max_width=28)
    table.add_column(ratio=1, overflow="fold")
    for c in checks:
        table.add_row(Text("✓", style="bold green") if c.ok else Text("✗", style="bold red"), c.check, c.detail)
    return table


def diagnoses_text(diagnoses: list[Diagnosis]) -> Text:
    text = Text()
    for d in diagnoses:
        first, *rest = render_diagnosis(d)
        text.append(first + "\n", style="bold red" if d.severity == "error" else "bold yellow")
        for line in rest:
            text.append(line + "\n")
    return text


def summary(checks: list[Check], diagnoses: list[Diagnosis], prepared: Prepared) -> str:
    if not prepared.answers.options.verify:
        return "Verification is turned off in these answers (options.verify)."
    if not checks:
        return "No checks ran: the install did not get that far."
    failed = sum(not c.ok for c in checks)
    head = f"{failed} of {len(checks)} checks failed." if failed else f"All {len(checks)} checks passed."
    if diagnoses:
        head += f" {len(diagnoses)} diagnos{'is' if len(diagnoses) == 1 else 'es'} below say why and what to do."
    return head


class VerifyScreen(WizardScreen):
    CSS_PATH = "verify.tcss"
    STEP = 7

    def __init__(self, prepared: Prepared, checks: list[Check], diagnoses: list[Diagnosis], done: Done | None) -> None:
        super().__init__()
        self.prepared, self.checks, self.diagnoses, self.done = prepared, checks, diagnoses, done

    def body(self) -> ComposeResult:
        head = summary(self.checks, self.diagnoses, self.prepared)
        bad = any(not c.ok for c in self.checks) or any(d.severity == "error" for d in self.diagnoses)
        yield Static(head, id="summary", classes="problem" if bad else "ok", markup=False)
        parts = [checks_table(self.checks)] + ([Text(), diagnoses_text(self.diagnoses)] if self.diagnoses else [])
        with VerticalScroll(id="checks-box"):
            yield Static(Group(*parts), id="checks", markup=False)

    def action_primary(self) -> None:
        from screens.done import DoneScreen

        self.app.push_screen(DoneScreen(self.prepared, self.done))
