"""Modal dialogs: a yes/no confirmation that Enter can never confirm, and the error screen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static

from screens.base import PrimaryButton, WizardModal


class ConfirmScreen(WizardModal[bool]):
    """Asks before something that cannot be undone. The safe answer has focus, and the risky one
    cannot take focus, so Enter (even pressed by reflex) always keeps things as they are;
    confirming takes `y` or a click."""

    CSS_PATH = "dialogs.tcss"
    AUTO_FOCUS = "#no"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        yield from self.compose_too_small()
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.no} (n)", id="no", variant="primary", compact=True)
                yes = Button(f"{self.yes} (y)", id="yes", variant="error", compact=True)
                yes.can_focus = False
                yield yes
        yield Footer()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")


class ErrorScreen(WizardModal[bool]):
    """An unexpected failure, said in one line with where the details are: the app never dies
    with a traceback on the screen. Enter quits; Escape goes back when there is somewhere to go."""

    CSS_PATH = "dialogs.tcss"
    AUTO_FOCUS = "#quit"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "answer(True)", "Quit"), Binding("escape", "answer(False)", "Back")]

    def __init__(self, message: str, logs: list[tuple[str, str]]) -> None:
        super().__init__()
        self.message, self.logs = message, logs

    def compose(self) -> ComposeResult:
        yield from self.compose_too_small()
        with Vertical(classes="dialog error-dialog"):
            yield Static("Something went wrong", classes="title", markup=False)
            yield Static(self.message, classes="question", markup=False)
            for label, path in self.logs:
                yield Static(f"{label}: {path}", classes="log-path", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield PrimaryButton("Quit (Enter)", id="quit", variant="error", compact=True)
                yield Button("Back (Esc)", id="back", compact=True)
        yield Footer()

    def action_answer(self, quit_app: bool) -> None:
        self.dismiss(quit_app)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "quit")
