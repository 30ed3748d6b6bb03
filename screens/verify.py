"""Each check the engine ran inside the new environment, ✓ or ✗ with its detail, and the
diagnoses behind failed or suspicious checks, worded as the headless output words them."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import WizardScreen
from wizard.advice import SEEDS
from wizard.engine import Prepared
from wizard.events import Check, Diagnosis
from wizard.output import render_diagnosis


def checks_table(checks: list[Check]) -> Table:
    """One row per check: mark, name, and the detail wrapping in its own column."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(style="bold", max_width=30, overflow="fold")  # names wrap, never cut
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

    def body(self) -> ComposeResult:
        session = self.wizard.session
        run = session.run
        assert session.prepared is not None
        head = summary(run.checks, run.diagnoses, session.prepared)
        bad = any(not c.ok for c in run.checks) or any(d.severity == "error" for d in run.diagnoses)
        yield Static(head, id="summary", classes="problem" if bad else "ok", markup=False)
        parts = [checks_table(run.checks)] + ([Text(), diagnoses_text(run.diagnoses)] if run.diagnoses else [])
        if any(c.check.startswith("seeds") for c in run.checks):
            parts += [Text(), Text(SEEDS, style="dim")]
        with VerticalScroll(id="checks-box"):
            yield Static(Group(*parts), id="checks", markup=False)
