"""The plan the engine made from the answers: every command, every decision with its reason, the
disk estimate. Nothing has changed on disk yet; Install starts it, Back changes it."""

from __future__ import annotations

import shlex
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from screens.base import WizardScreen
from wizard.advice import SEEDS, measured_at_target, verify_summary
from wizard.engine import Prepared, prepare
from wizard.problems import InputError, RequestError
from wizard.session import Session

PLANNING = "Planning…"
HEADLINE = "Nothing has been created or installed yet. Install runs these steps."


def plan(session: Session) -> Prepared | str:
    """The engine's plan for the session, or its refusal as text; free space measured where the
    headless mode measures it."""
    assert session.machine is not None
    machine = measured_at_target(session.machine, session.answers, session.detected)
    try:
        return prepare(session.answers, machine, session.catalog)
    except InputError as exc:
        return exc.render()
    except RequestError as exc:
        return exc.message + (f"\nHint: {exc.hint}" if exc.hint else "")


def _grid(*widths: int) -> Table:
    """Two columns where the second wraps under itself, not under the first."""
    grid = Table.grid(padding=(0, 1))
    for w in widths:
        grid.add_column(width=w, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    return grid


def step_command(step: dict[str, Any]) -> str:
    """The step's command as a person reads it: the verify probe's JSON spec is said in words."""
    command = shlex.join([*(f"{k}={v}" for k, v in step.get("env", {}).items()), *step["argv"]])
    if step["kind"] == "verify" and step.get("stdin"):
        return f"$ {command} < SPEC\n  (SPEC: {verify_summary(step['stdin'])})"
    return f"$ {command}"


def plan_renderable(plan: dict[str, Any]) -> RenderableType:
    """The same facts as the headless `--dry-run` text (wizard.output.render_plan), laid out for 80 columns."""
    env = plan["environment"]
    head = _grid(12)
    head.add_row(
        Text("Environment", style="bold"),
        f"{env['kind']} at {env['path']} (Python {env['python_version']}{', exists: reused' if env['reuse'] else ''})",
    )
    head.add_row(Text("Frameworks", style="bold"), ", ".join(plan["frameworks"]) or "(none)")
    head.add_row(Text("Disk needed", style="bold"), f"about {plan['disk_needed_bytes'] / 1e9:.1f} GB")
    parts: list[RenderableType] = [head, Text("\nDecisions", style="bold")]
    decisions = _grid(14)
    for d in plan["decisions"]:
        where = f" from {d['index_url']}" if d["index_url"] else ""
        decisions.add_row(Text(d["framework"], style="cyan"), Text.assemble((f"{d['variant']}{where}.", "bold"), " ", d["why"]))
    parts += [decisions, Text("\nSteps", style="bold")]
    steps = _grid(2)
    for i, step in enumerate(plan["steps"], 1):
        steps.add_row(f"{i}.", Text.assemble((step["title"], "bold"), f": {step['why']}"))
        steps.add_row("", Text(step_command(step), style="dim"))
    parts.append(steps)
    # Issue 9's exact resolution (package == version) belongs here, between the steps and the notes.
    parts += [Text(f"\nNote: {n}") for n in plan["notes"]]
    if any("seed" in s["why"].lower() for s in plan["steps"]):
        parts.append(Text(f"\n{SEEDS}", style="dim"))
    return Group(*parts)


class ReviewScreen(WizardScreen):
    CSS_PATH = "review.tcss"
    PRIMARY_LABEL = "Install"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "primary", "Install")]

    def body(self) -> ComposeResult:
        yield Static(HEADLINE, id="headline", markup=False)
        with VerticalScroll(id="plan-box"):
            yield Static(PLANNING, id="plan", markup=False)

    @property
    def prepared(self) -> Prepared | None:
        return self.wizard.session.prepared

    def on_screen_resume(self) -> None:
        """Plan each time the screen shows: after an install, the environment exists and the plan says so."""
        if self.wizard.install_running:
            return
        self.wizard.session.prepared = None
        headline = self.query_one("#headline", Static)
        headline.update(HEADLINE)
        headline.remove_class("problem")
        self.query_one("#plan", Static).update(PLANNING)
        self.make_plan()

    @work(thread=True, exclusive=True, exit_on_error=False, name="plan")
    def make_plan(self) -> None:
        """Exclusive: a newer plan cancels an older one, and a cancelled one never lands."""
        result = plan(self.wizard.session)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_plan, result)

    def show_plan(self, result: Prepared | str) -> None:
        if isinstance(result, Prepared):
            self.wizard.session.prepared = result
            target = result.plan.target
            if target.reuse and target.kind != "existing":
                self.query_one("#headline", Static).update(
                    f"{target.path} already exists (the wizard made it). Install runs the steps not yet done."
                )
            self.query_one("#plan", Static).update(plan_renderable(result.plan.to_dict()))
        else:
            self.query_one("#headline", Static).update("This setup cannot be planned on this machine. Go back and change it:")
            self.query_one("#headline").add_class("problem")
            self.query_one("#plan", Static).update(str(result))
            self.query_one("#back").focus()

    def action_primary(self) -> None:
        if self.prepared is None:
            self.notify("There is no plan to install yet.", severity="warning")
            return
        self.wizard.advance()
