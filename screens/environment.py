"""Where the environment goes and which Python makes it.

The location is checked as it is typed by the engine's own verdict (`wizard.advice.location`, with
the planner's disk estimate), so a person learns at once that a folder is not an environment, not
writable or short of space, and what this screen approves the plan accepts.
"""

from __future__ import annotations

import os

import msgspec
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import FormScreen
from screens.choices import ChoiceList
from wizard.advice import Verdict, environment_kinds, location, measured_at_target, python_choice
from wizard.answers import Answers, Environment, EnvKind
from wizard.detect_render import not_a_target_because

KINDS: dict[EnvKind, str] = {
    "venv": "New virtual environment",
    "conda": "New conda environment",
    "existing": "Existing environment",
}
AUTO = "auto"
AS_ANSWERED = "answers"


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


class EnvironmentScreen(FormScreen):
    CSS_PATH = "environment.tcss"

    def body(self) -> ComposeResult:
        env = self.wizard.session.answers.environment
        kinds = []
        self.unavailable = {kind: why for kind, why in environment_kinds().items() if why and kind != env.kind}
        for kind, label in KINDS.items():
            shown = f"{label.split(' environment')[0]} (unavailable)" if kind in self.unavailable else label
            kinds.append(Option(Content(shown), id=kind, disabled=kind in self.unavailable))
        with Horizontal(classes="top"):
            with Vertical(classes="kind-box"):
                yield Label("Kind")
                yield ChoiceList(*kinds, id="kind")
            with Vertical(classes="location-box"):
                yield Label("Folder (~ is expanded)", id="location-label")
                yield Input(env.name or env.path or "", id="location", placeholder="~/envs/llm")
                yield Static(id="location-check", markup=False)
        yield Label("Python that makes the environment", classes="python-label")
        yield ChoiceList(*self._python_options(), id="python")
        yield Static(id="python-note", classes="hint", markup=False)

    def _python_options(self) -> list[Option]:
        machine = self.wizard.session.machine
        assert machine is not None, "the hardware screen comes first"
        asked = self.wizard.session.answers.environment.python
        options = [Option(Content("Automatic: the newest Python that every chosen framework supports"), id=AUTO)]
        if asked and self._detected_index(asked) is None:
            options.append(Option(Content(f"As in the answers: {asked}"), id=AS_ANSWERED))
        for i, p in enumerate(machine.pythons):
            why_not = not_a_target_because(p)
            text = f"{p.version:<8} {p.path} ({p.source})" + (f" — not usable: {why_not}" if why_not else "")
            options.append(Option(Content(text), id=f"py-{i}", disabled=why_not is not None))
        return options

    def _detected_index(self, asked: str) -> int | None:
        """The listed interpreter the answers' Python names (its version, or its path), if any."""
        machine = self.wizard.session.machine
        assert machine is not None
        return next(
            (i for i, p in enumerate(machine.pythons) if not_a_target_because(p) is None and asked in (p.path, python_choice(p))),
            None,
        )

    def on_mount(self) -> None:
        env = self.wizard.session.answers.environment
        self.query_one("#location", Input).cursor_blink = self.wizard.cursor_blink
        kinds = self.query_one("#kind", ChoiceList)
        kinds.highlighted = list(KINDS).index(env.kind)
        pythons = self.query_one("#python", ChoiceList)
        chosen = AUTO
        if env.python:
            index = self._detected_index(env.python)
            chosen = AS_ANSWERED if index is None else f"py-{index}"
        pythons.highlighted = pythons.get_option_index(chosen)
        self.refresh_checks()

    @property
    def kind(self) -> EnvKind:
        kinds = self.query_one("#kind", ChoiceList)
        option = kinds.highlighted_option
        chosen = option.id if option is not None else None
        return next((kind for kind in KINDS if kind == chosen), "venv")

    def python_value(self) -> str | None:
        """A listed interpreter is kept as its version ("3.11"), so a replay elsewhere finds its own;
        a path stays a path only when the answers gave one."""
        option = self.query_one("#python", ChoiceList).highlighted_option
        answered = self.wizard.session.answers.environment.python
        if option is None or option.id == AUTO:
            return None
        if option.id == AS_ANSWERED:
            return answered
        machine = self.wizard.session.machine
        assert machine is not None and option.id is not None
        picked = machine.pythons[int(option.id.removeprefix("py-"))]
        return answered if answered == picked.path else python_choice(picked)

    def form_answers(self) -> Answers:
        answers = self.wizard.session.answers
        env = environment_from(self.kind, self.query_one("#location", Input).value, self.python_value(), answers.environment)
        return msgspec.structs.replace(answers, environment=env)

    def refresh_checks(self) -> Verdict:
        kind = self.kind
        self.query_one("#location-label", Label).update("Name or folder" if kind == "conda" else "Folder (~ is expanded)")
        session = self.wizard.session
        answers = self.form_answers()
        assert session.machine is not None
        verdict = location(answers, measured_at_target(session.machine, answers, session.detected), session.catalog)
        check = self.query_one("#location-check", Static)
        check.update(("✓ " if verdict.ok else "✗ ") + verdict.message)
        check.set_class(verdict.ok, "ok")
        check.set_class(not verdict.ok, "problem")
        existing = kind == "existing"
        self.query_one("#python", ChoiceList).disabled = existing
        note = (
            "An existing environment keeps its own Python."
            if existing
            else "Greyed out: cannot make an environment (the reason is on its line)."
        )
        for kind, why in self.unavailable.items():
            note += f"\n{kind.capitalize()}: {why}."
        self.query_one("#python-note", Static).update(note)
        return verdict

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_checks()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "kind":
            self.refresh_checks()

    def form_problem(self) -> str | None:
        verdict = self.refresh_checks()
        if verdict.ok:
            return None
        self.query_one("#location", Input).focus()
        return verdict.message
