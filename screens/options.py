"""The options an answers file can set, reachable here too: accelerator, installer, package index,
offline, upgrade pip, verify, Jupyter kernel. Each choice says what it changes; the accelerators
are the ones the answers model accepts, those this machine cannot serve greyed out with the reason.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import FormScreen
from screens.choices import ChoiceList
from wizard.advice import accelerator_values, framework_availability
from wizard.answers import Answers, Options, semantic_problems

INSTALLERS = {
    "pip": ("pip", "pip installs every package: the tool the seeds (the guides this wizard follows) use."),
    "uv": ("uv", "uv installs the same requirements with the same indexes, usually several times faster."),
}
SWITCHES = {  # id: (label, what on means, what off means)
    "offline": (
        "Offline",
        "No index is contacted: pip installs only from the find-links folders.",
        "Packages come from the index (PyPI unless an index URL is given).",
    ),
    "upgrade_pip": (
        "Upgrade pip first",
        "A new venv's pip is upgraded first; pip 24.1+ shows download progress.",
        "The venv's bundled pip installs everything, as it is.",
    ),
    "verify": (
        "Verify after installing",
        "Every package is imported and each framework's hardware is checked.",
        "No checks run: the Verify screen stays empty and problems show up later.",
    ),
    "jupyter_kernel": (
        "Jupyter kernel",
        "When Jupyter or ipykernel is installed, the environment is registered as a Jupyter kernel named after it.",
        "No kernel is registered: Jupyter lists this environment only when started inside it.",
    ),
}
FIELDS = {  # id: what it does
    "index-url": "Replaces PyPI for every package (pip --index-url). ${VAR} is read from the environment and never saved.",
    "extra-urls": "Also searched, comma-separated (pip --extra-index-url).",
    "find-links": "Folders or pages of wheels, comma-separated (pip --find-links); what offline installs from.",
}
PROBE_FRAMEWORK = "pytorch"  # the accelerator decides its build; the others follow it


class Switch(Checkbox, inherit_bindings=False):
    """A checkbox that keeps the keys contract (Space toggles, Enter is the screen's Next) and says
    on or off in words, not only in colour."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False),
        Binding("enter", "screen.primary", "Next", show=False),
    ]

    def __init__(self, text: str, value: bool, *, id: str) -> None:  # noqa: A002 - Textual's name
        self.text = text
        super().__init__(self._describe(value), value, id=id, compact=True)

    def _describe(self, value: bool) -> str:
        return f"{self.text}: {'on' if value else 'off'}"

    def watch_value(self) -> None:
        super().watch_value()  # which posts Changed
        self.label = self._describe(self.value)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class OptionsScreen(FormScreen):
    CSS_PATH = "options.tcss"

    def body(self) -> ComposeResult:
        answers = self.wizard.session.answers
        with Horizontal(classes="columns"):
            with Vertical(classes="lists"):
                yield Label("Accelerator")
                yield ChoiceList(*self._accelerators(), id="accelerator")
                yield Label("Installer")
                yield ChoiceList(*(Option(Content(label), id=key) for key, (label, _) in INSTALLERS.items()), id="installer")
            with VerticalScroll(classes="fields"):
                yield Label("Index URL (empty: PyPI)")
                yield Input(answers.index.url or "", id="index-url", placeholder="https://pypi.org/simple", compact=True)
                yield Label("Extra index URLs")
                yield Input(", ".join(answers.index.extra_urls), id="extra-urls", placeholder="none", compact=True)
                yield Label("Find-links")
                yield Input(", ".join(answers.index.find_links), id="find-links", placeholder="none", compact=True)
                for key, (label, _, _) in SWITCHES.items():
                    value = answers.index.offline if key == "offline" else getattr(answers.options, key)
                    yield Switch(label, value is not False, id=key)  # jupyter_kernel unset: on when Jupyter is chosen
        yield Static(id="consequence", markup=False)

    def _accelerators(self) -> list[Option]:
        """Every accelerator the answers accept, with the PyTorch build it gives here, or why not."""
        session = self.wizard.session
        assert session.machine is not None
        options = []
        self.accelerator_effects: dict[str, str] = {}
        for acc in accelerator_values(session.catalog):
            probe = msgspec.structs.replace(session.answers, accelerator=acc)
            avail = framework_availability(PROBE_FRAMEWORK, probe, session.machine, session.catalog)
            if avail.decision is not None:
                effect = f"PyTorch gets the {avail.decision.variant} build here: {avail.decision.why}"
                label = f"{acc:<8} → {avail.decision.variant}"
            else:
                effect = f"Not available here: {avail.problem}"
                label = f"{acc:<8} not here"
            self.accelerator_effects[acc] = effect
            options.append(Option(Content(label), id=acc, disabled=avail.decision is None and acc != session.answers.accelerator))
        return options

    def on_mount(self) -> None:
        answers = self.wizard.session.answers
        for field in self.query(Input):
            field.cursor_blink = self.wizard.cursor_blink
        accelerators = self.query_one("#accelerator", ChoiceList)
        accelerators.highlighted = accelerators.get_option_index(answers.accelerator)
        installers = self.query_one("#installer", ChoiceList)
        installers.highlighted = installers.get_option_index(answers.options.installer)
        self.explain(accelerators)

    # -- what the form says ---------------------------------------------------------------------------

    def _chosen(self, list_id: str) -> str:
        option = self.query_one(f"#{list_id}", ChoiceList).highlighted_option
        assert option is not None and option.id is not None
        return option.id

    def form_answers(self) -> Answers:
        answers = self.wizard.session.answers
        switch = {key: self.query_one(f"#{key}", Switch).value for key in SWITCHES}
        index = msgspec.structs.replace(
            answers.index,
            url=self.query_one("#index-url", Input).value.strip() or None,
            extra_urls=_split(self.query_one("#extra-urls", Input).value),
            find_links=_split(self.query_one("#find-links", Input).value),
            offline=switch["offline"],
        )
        options = msgspec.structs.replace(
            answers.options,
            installer=self._chosen("installer"),
            **{k: v for k, v in switch.items() if k in Options.__struct_fields__ and k != "jupyter_kernel"},
            # on keeps "when Jupyter is chosen" (unset) unless the answers asked for a kernel outright
            jupyter_kernel=(answers.options.jupyter_kernel or None) if switch["jupyter_kernel"] else False,
        )
        return msgspec.structs.replace(answers, accelerator=self._chosen("accelerator"), index=index, options=options)

    def form_problem(self) -> str | None:
        """The answers model's own checks of these fields (URLs, offline without find-links)."""
        problems = [
            p
            for p in semantic_problems(self.form_answers(), self.wizard.session.catalog)
            if p.path.startswith(("$.index", "$.accelerator", "$.options"))
        ]
        return problems[0].message + (f" ({problems[0].hint})" if problems[0].hint else "") if problems else None

    # -- each choice's consequence --------------------------------------------------------------------

    def consequence(self, widget: Widget) -> str:
        if widget.id == "accelerator":
            return self.accelerator_effects[self._chosen("accelerator")]
        if widget.id == "installer":
            return INSTALLERS[self._chosen("installer")][1]
        if isinstance(widget, Switch) and widget.id in SWITCHES:
            _, on, off = SWITCHES[widget.id]
            return on if widget.value else off
        return FIELDS.get(widget.id or "", "")

    def explain(self, widget: Widget | None) -> None:
        problem = self.form_problem()
        text = f"✗ {problem}" if problem else (self.consequence(widget) if widget is not None else "")
        line = self.query_one("#consequence", Static)
        line.update(text)
        line.set_class(bool(problem), "problem")

    def on_descendant_focus(self) -> None:
        self.explain(self.focused)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.explain(event.option_list)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.explain(event.checkbox)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.explain(event.input)
