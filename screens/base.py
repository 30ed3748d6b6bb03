"""What every wizard screen shares: the title bar, the button row, the footer, the keys contract
(Enter = primary, Escape = back) and the "terminal too small" notice.

Kept light: the first screen paints after importing only this, so startup stays near a bare Textual app."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Static
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from screens.app import WizardApp
    from wizard.answers import Answers

MIN_WIDTH, MIN_HEIGHT = 80, 24
TOO_SMALL = f"terminal too small (needs {MIN_WIDTH}×{MIN_HEIGHT})"


class TooSmall(Static):
    """Shown instead of the screen's content below 80×24 (the app's breakpoints set the classes)."""

    def __init__(self) -> None:
        super().__init__(TOO_SMALL, markup=False)


class PrimaryButton(Button, inherit_bindings=False):
    """The screen's main button. It has no Enter binding of its own, so Enter reaches the screen's
    binding, which the footer shows with the action's name ("enter Install")."""


class WizardScreen(Screen[None]):
    """One stage of the app's flow. Subclasses compose their body in `body()`, put their primary
    action in `action_primary` (which ends in `self.wizard.advance()`), and keep what the person
    chose in the session in `keep_choices`. They take no constructor arguments: what they show is
    in `self.wizard.session`."""

    PRIMARY_LABEL: ClassVar[str] = "Next"
    BACK: ClassVar[bool] = True
    AUTO_FOCUS = "#primary"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "primary", "Next"), Binding("escape", "back", "Back")]

    @property
    def wizard(self) -> WizardApp:
        return cast("WizardApp", self.app)

    def compose(self) -> ComposeResult:
        yield TooSmall()
        yield Static(self.wizard.step_title(self), classes="step-title", markup=False)
        yield from self.body()
        with Horizontal(classes="buttons"):
            yield from self.buttons()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def buttons(self) -> ComposeResult:
        if self.BACK:
            yield Button("Back", id="back", compact=True)
        yield PrimaryButton(self.PRIMARY_LABEL, id="primary", variant="primary", compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.BACK
        return True

    def action_back(self) -> None:
        self.wizard.back()

    def keep_choices(self) -> None:
        """Put the form's choices into the session, so going back and forward again keeps them."""

    def action_primary(self) -> None:
        """The screen's main action (Next, Install, Finish); subclasses validate, keep their choices, then advance."""
        self.keep_choices()
        self.wizard.advance()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "primary":
            self.action_primary()
        elif event.button.id == "back":
            self.action_back()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers run with exit_on_error=False: an error becomes the error screen, never a traceback."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.wizard.show_error(event.worker.error)
        elif event.state is WorkerState.SUCCESS:
            self.work_done(event.worker)

    def work_done(self, worker: Worker[object]) -> None:
        """A worker this screen started finished; its result is `worker.result`."""


ResultT = TypeVar("ResultT")


class FormScreen(WizardScreen):
    """A stage whose choices are a form: Enter in a field means Next, the form is checked before
    advancing (what stops it is said, and the screen stays), and its answers are kept when leaving."""

    def form_answers(self) -> Answers:
        raise NotImplementedError

    def form_problem(self) -> str | None:
        """What stops Next, in words for the person; None when the form is fine."""
        return None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_primary()

    def keep_choices(self) -> None:
        self.wizard.session.answers = self.form_answers()

    def action_primary(self) -> None:
        problem = self.form_problem()
        if problem:
            self.notify(problem, severity="error")
            return
        super().action_primary()


class WizardModal(ModalScreen[ResultT]):
    """A modal dialog that still honours the minimum terminal size; it dismisses with a ResultT."""

    def compose_too_small(self) -> ComposeResult:
        yield TooSmall()
