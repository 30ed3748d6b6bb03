"""What will happen, the keys, and where the logs go."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from screens.base import WizardScreen
from wizard.paths import state_dir

WHAT_HAPPENS = """\
This wizard sets up a Python environment for LLM work, a screen at a time:

  1. It looks at this machine: GPUs, driver, disk and Python interpreters.
  2. You choose where the environment goes and which Python makes it.
  3. Options: accelerator, package index, installer; Enter keeps defaults.
  4. You choose frameworks; each shows the build it gets here, and why.
  5. You review the whole plan, every command, before anything changes.
  6. It installs with live progress, then proves the result works.

Nothing changes on disk until you choose Install on the review screen."""

KEYS = "Enter next · Esc back · Tab/Shift+Tab move · Space toggle · ↑↓ choose\n      Ctrl+Q quit (asks first while installing)"


class WelcomeScreen(WizardScreen):
    """The first screen: sets expectations so nothing later is a surprise."""

    # welcome.tcss, like every screen's CSS, is read with the app's own (screens/app.py): loading a
    # screen's CSS later restyles every widget, which the first frame and each Next should not pay for.
    PRIMARY_LABEL = "Set up a new environment"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "primary", "Set up"), Binding("m", "manage", "Manage environments")]
    BACK = False

    def body(self) -> ComposeResult:
        app = self.wizard.session
        text = Text(WHAT_HAPPENS + "\n\n")
        if app.prefill_source:
            text.append(f"Choices prefilled from {app.prefill_source}: Enter on each screen accepts them.\n", style="bold")
        if app.machine_source:
            text.append(f"Planning for the machine described in {app.machine_source}.\n", style="bold")
        if app.prefill_source or app.machine_source:
            text.append("\n")
        text.append("Keys  ", style="bold")
        text.append(KEYS + "\n\n")
        text.append("Logs  ", style="bold")
        text.append(f"{state_dir() / 'logs'} until the environment exists, then <environment>/.wizard/logs", style="dim")
        with VerticalScroll(classes="content"):
            yield Static(text, markup=False)

    def buttons(self) -> ComposeResult:
        yield Button("Manage environments (m)", id="manage", compact=True)
        yield from super().buttons()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "manage":
            event.stop()
            self.action_manage()
        else:
            super().on_button_pressed(event)

    def action_manage(self) -> None:
        from screens.manage import ManageScreen

        self.app.push_screen(ManageScreen())
