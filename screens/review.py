"""Step 5: the plan the engine made from the answers: every command, every decision with its
reason, the disk estimate. Nothing has changed on disk yet; Install starts it, Back changes it."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from screens.base import WizardScreen
from wizard.answers import Answers
from wizard.catalog import Catalog
from wizard.engine import Prepared, prepare
from wizard.machine import Machine
from wizard.paths import nearest_existing
from wizard.problems import InputError, RequestError

PLANNING = "Planning…"
HEADLINE = "Nothing has been created or installed yet. Install runs these steps."


def plan(answers: Answers, machine: Machine, catalog: Catalog, detected: bool) -> Prepared | str:
    """The engine's plan, or its refusal as text. A detected machine measured free space where
    detection ran; headless detection measures it at the environment, so the wizard does too."""
    if detected and answers.environment.path:
        target = Path(os.path.abspath(os.path.expanduser(answers.environment.path)))
        machine = msgspec.structs.replace(machine, disk_free_bytes=shutil.disk_usage(nearest_existing(target)).free)
    try:
        return prepare(answers, machine, catalog)
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


def plan_renderable(plan: dict[str, Any]) -> RenderableType:
    """The same facts as the headless `--dry-run` text (wizard.output.render_plan), laid out for 80 columns."""
    env = plan["environment"]
    head = _grid(12)
    head.add_row(Text("Environment", style="bold"),
                 f"{env['kind']} at {env['path']} (Python {env['python_version']}{', exists: reused' if env['reuse'] else ''})")
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
        steps.add_row("", Text(f"$ {shlex.join([*(f'{k}={v}' for k, v in step.get('env', {}).items()), *step['argv']])}", style="dim"))
    parts.append(steps)
    parts += [Text(f"\nNote: {n}") for n in plan["notes"]]
    return Group(*parts)


class ReviewScreen(WizardScreen):
    CSS_PATH = "review.tcss"
    STEP = 5
    PRIMARY_LABEL = "Install"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "primary", "Install")]

    prepared: Prepared | None = None

    def body(self) -> ComposeResult:
        yield Static(HEADLINE, id="headline", markup=False)
        with VerticalScroll(id="plan-box"):
            yield Static(PLANNING, id="plan", markup=False)

    def on_screen_resume(self) -> None:
        """Plan each time the screen shows: after an install, the environment exists and the plan says so."""
        if self.wizard.install_running:
            return
        self.prepared = None
        headline = self.query_one("#headline", Static)
        headline.update(HEADLINE)
        headline.remove_class("problem")
        self.query_one("#plan", Static).update(PLANNING)
        app = self.wizard
        assert app.machine is not None
        self.run_worker(lambda: plan(app.answers, app.machine, app.catalog, app.machine_source is None),  # type: ignore[arg-type]
                        name="plan", thread=True, exit_on_error=False)

    def work_done(self, worker: Worker[object]) -> None:
        if worker.name != "plan":
            return
        result = worker.result
        if isinstance(result, Prepared):
            self.prepared = result
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
        from screens.install import InstallScreen

        self.app.push_screen(InstallScreen(self.prepared))
