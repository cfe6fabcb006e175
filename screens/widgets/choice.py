"""A labelled radio choice with string values (a thin layer over ``RadioSet``)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Label, RadioButton, RadioSet


class MarkedRadioButton(RadioButton):
    """A radio button whose state shows in its shape, not only its colour: ● chosen, ○ not."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else "○"
        return super()._button


class MarkedCheckbox(Checkbox):
    """A checkbox whose state shows in its shape, not only its colour: X checked, blank not."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


class Choice(Vertical):
    """One of several options; ``value`` is the chosen option's key."""

    DEFAULT_CSS = """
    Choice { height: auto; margin-bottom: 1; }
    Choice > Label { color: $text-muted; }
    Choice > RadioSet { width: 1fr; }
    """

    class Changed(Message):
        """The choice changed."""

        def __init__(self, choice: Choice, value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            """The Choice that changed (so ``@on(Choice.Changed, "#id")`` works)."""
            return self.choice

    def __init__(self, label: str, options: list[tuple[str, str]], value: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.options = options
        self._value = value

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        with RadioSet():
            for key, text in self.options:
                yield MarkedRadioButton(text, value=key == self._value, name=key)

    @property
    def value(self) -> str:
        """The chosen key."""
        return self._value

    @value.setter
    def value(self, key: str) -> None:
        for button in self.query(RadioButton):
            if button.name == key:
                button.value = True
        self._value = key

    @on(RadioSet.Changed)
    def _changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self._value = event.pressed.name or ""
        self.post_message(self.Changed(self, self._value))
