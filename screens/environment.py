"""Step 3: where the environment goes and which Python makes it.

The location is checked as it is typed, so a person learns at once that a folder is not an
environment, not writable or short of space. The planner stays the authority: the review screen
shows its verdict, and these checks only say early what it would say late.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import msgspec
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import WizardScreen
from screens.choices import ChoiceList
from wizard import envs
from wizard.answers import Answers, Environment, EnvKind, semantic_problems
from wizard.catalog import Catalog, expand
from wizard.detect_render import not_a_target_because
from wizard.paths import nearest_existing

KINDS: dict[EnvKind, str] = {"venv": "New virtual environment", "conda": "New conda environment",
                             "existing": "Existing environment"}
AUTO = "auto"
AS_ANSWERED = "answers"
NEW_ENV_BYTES = 30_000_000


def _looks_like_path(text: str) -> bool:
    return text.startswith(("~", ".", "/")) or os.sep in text


def environment_from(kind: EnvKind, text: str, python: str | None, before: Environment) -> Environment:
    """The Environment the form describes; an unchanged field keeps the answers' own value, so
    accepting a prefilled screen leaves the answers exactly as they were."""
    text = text.strip()
    if kind == before.kind and text == (before.name or before.path or ""):
        return msgspec.structs.replace(before, python=python)
    if kind == "conda" and text and not _looks_like_path(text):
        return Environment(kind=kind, name=text, python=python)
    return Environment(kind=kind, path=text or None, python=python)


def needed_bytes(answers: Answers, catalog: Catalog) -> int:
    """Rough size of the chosen frameworks, for the as-you-type space check (the plan has the real figure)."""
    frameworks = expand(catalog, answers.profile, answers.frameworks)
    return sum(catalog.frameworks[f].size_mb for f in frameworks) * 1_000_000 + NEW_ENV_BYTES


def check_location(answers: Answers, catalog: Catalog) -> tuple[bool, str]:
    """(usable, what the wizard will do there or what is wrong) for the answers' environment."""
    env = answers.environment
    problems = [p for p in semantic_problems(answers, catalog) if p.path.startswith("$.environment")
                and p.path != "$.environment.python"]
    if problems:
        return False, problems[0].message + (f" ({problems[0].hint})" if problems[0].hint else "")
    if env.kind == "conda" and not env.path:
        return True, f"A new conda environment named {env.name} will be created."
    path = Path(os.path.abspath(os.path.expanduser(env.path or "")))
    folder = envs.classify(path)
    if env.kind == "existing":
        if folder == "missing":
            return False, "No such folder."
        if folder not in ("venv", "conda"):
            return False, "Not a virtual environment or conda environment (no pyvenv.cfg or conda-meta/ here)."
        if not os.access(path, os.W_OK):
            return False, "No permission to write in this environment."
        return True, f"A {'conda' if folder == 'conda' else 'virtual'} environment: packages will be installed into it."
    if folder == "file":
        return False, "This is a file, not a folder."
    if folder == "other":
        return False, "This folder is not empty and is not an environment; choose a new or empty folder."
    if folder in ("venv", "conda"):
        if envs.read_state(path) is None:
            return False, "An environment the wizard did not create: choose Existing environment to install into it."
        return True, "The wizard made this environment: it is reused, and finished steps are skipped."
    parent = nearest_existing(path)
    if not os.access(parent, os.W_OK):
        return False, f"No permission to create folders in {parent}."
    free, need = shutil.disk_usage(parent).free, needed_bytes(answers, catalog)
    if free < need:
        return False, f"Not enough space: about {need / 1e9:.1f} GB needed, {free / 1e9:.1f} GB free here."
    return True, "The new environment will be created here." if folder == "empty" else "A new folder will be created here."


class EnvironmentScreen(WizardScreen):
    CSS_PATH = "environment.tcss"
    STEP = 3

    def body(self) -> ComposeResult:
        env = self.wizard.answers.environment
        with Horizontal(classes="top"):
            with Vertical(classes="kind-box"):
                yield Label("Kind")
                yield ChoiceList(*(Option(Content(label), id=kind) for kind, label in KINDS.items()), id="kind")
            with Vertical(classes="location-box"):
                yield Label("Folder (~ is expanded)", id="location-label")
                yield Input(env.name or env.path or "", id="location", placeholder="~/envs/llm",
                            select_on_focus=False)
                yield Static(id="location-check", markup=False)
        yield Label("Python that makes the environment", classes="python-label")
        yield ChoiceList(*self._python_options(), id="python")
        yield Static(id="python-note", classes="hint", markup=False)

    def _python_options(self) -> list[Option]:
        machine = self.wizard.machine
        assert machine is not None, "the hardware screen comes first"
        asked = self.wizard.answers.environment.python
        options = [Option(Content("Automatic: the newest Python that every chosen framework supports"), id=AUTO)]
        if asked and not any(p.path == asked for p in machine.pythons):
            options.append(Option(Content(f"As in the answers: {asked}"), id=AS_ANSWERED))
        for i, p in enumerate(machine.pythons):
            why_not = not_a_target_because(p)
            text = f"{p.version:<8} {p.path} ({p.source})" + (f" — not usable: {why_not}" if why_not else "")
            options.append(Option(Content(text), id=f"py-{i}", disabled=why_not is not None))
        return options

    def on_mount(self) -> None:
        env = self.wizard.answers.environment
        self.query_one("#location", Input).cursor_blink = self.wizard.cursor_blink
        kinds = self.query_one("#kind", ChoiceList)
        kinds.highlighted = list(KINDS).index(env.kind)
        pythons = self.query_one("#python", ChoiceList)
        machine = self.wizard.machine
        chosen = AUTO
        if env.python:
            chosen = next((f"py-{i}" for i, p in enumerate(machine.pythons) if p.path == env.python), AS_ANSWERED) \
                if machine else AS_ANSWERED
        pythons.highlighted = pythons.get_option_index(chosen)
        self.refresh_checks()

    @property
    def kind(self) -> EnvKind:
        kinds = self.query_one("#kind", ChoiceList)
        option = kinds.highlighted_option
        return option.id if option is not None and option.id in KINDS else "venv"  # type: ignore[return-value]

    def python_value(self) -> str | None:
        option = self.query_one("#python", ChoiceList).highlighted_option
        if option is None or option.id == AUTO:
            return None
        if option.id == AS_ANSWERED:
            return self.wizard.answers.environment.python
        machine = self.wizard.machine
        assert machine is not None and option.id is not None
        return machine.pythons[int(option.id.removeprefix("py-"))].path

    def form_answers(self) -> Answers:
        answers = self.wizard.answers
        env = environment_from(self.kind, self.query_one("#location", Input).value, self.python_value(),
                               answers.environment)
        return msgspec.structs.replace(answers, environment=env)

    def refresh_checks(self) -> tuple[bool, str]:
        kind = self.kind
        self.query_one("#location-label", Label).update(
            "Name or folder" if kind == "conda" else "Folder (~ is expanded)")
        ok, message = check_location(self.form_answers(), self.wizard.catalog)
        check = self.query_one("#location-check", Static)
        check.update(("✓ " if ok else "✗ ") + message)
        check.set_class(ok, "ok")
        check.set_class(not ok, "problem")
        existing = kind == "existing"
        self.query_one("#python", ChoiceList).disabled = existing
        self.query_one("#python-note", Static).update(
            "An existing environment keeps its own Python." if existing else
            "Greyed out: cannot make an environment (the reason is on its line).")
        return ok, message

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_checks()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_primary()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "kind":
            self.refresh_checks()

    def action_primary(self) -> None:
        ok, message = self.refresh_checks()
        if not ok:
            self.notify(message, severity="error")
            self.query_one("#location", Input).focus()
            return
        self.wizard.answers = self.form_answers()
        from screens.frameworks import FrameworksScreen

        self.app.push_screen(FrameworksScreen())

