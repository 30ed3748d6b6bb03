"""List widgets that keep the keys contract: arrows choose, Space toggles, Enter is the screen's primary action."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList, SelectionList


class ChoiceList(OptionList):
    """A single-choice list where the highlighted option *is* the choice (arrows choose), and
    Enter runs the screen's primary action instead of re-selecting."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "screen.primary", "Next")]


class MultiChoiceList(SelectionList[str]):
    """A multi-choice list: Space toggles, Enter runs the screen's primary action."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "screen.primary", "Next"), Binding("space", "select", "Toggle")]
