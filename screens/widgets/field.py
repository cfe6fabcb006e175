"""A labelled ``Input`` that validates with a core validator on every keystroke and shows the message inline."""

from __future__ import annotations

import re
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from screens import safe
from screens.validators import Check, FieldValidator

PLAN_KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+: ")


class ValidatedField(Vertical):
    """Label + Input + one line of feedback (the validator's message, or a hint when valid)."""

    DEFAULT_CSS = """
    ValidatedField { height: auto; margin-bottom: 1; }
    ValidatedField > .field-label { color: $text-muted; }
    ValidatedField > .field-message { height: auto; color: $text-muted; padding-left: 1; }
    ValidatedField > .field-message.-error { color: $error; }
    """

    class Updated(Message):
        """The value or its validity changed."""

        def __init__(self, field: ValidatedField) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> ValidatedField:
            """The field (so ``@on(ValidatedField.Updated, "#id")`` works)."""
            return self.field

    def __init__(self, label: str, *, field: str | None = None, check: Check | None = None, value: str = "",
                 placeholder: str = "", hint: Callable[[str], str] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.validator = FieldValidator(field, check)
        self._value = value
        self.placeholder = placeholder
        self.hint = hint
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        yield Input(value=self._value, placeholder=self.placeholder, validators=[self.validator],
                    id=f"{self.id}-input" if self.id else None, valid_empty=False)
        yield Static("", classes="field-message")

    def on_mount(self) -> None:
        self._show(self.input.value)

    @property
    def input(self) -> Input:
        """The Input widget."""
        return self.query_one(Input)

    @property
    def value(self) -> str:
        """Current text (stripped)."""
        return self.input.value.strip()

    @value.setter
    def value(self, text: str) -> None:
        self.input.value = text
        self._show(text)

    @property
    def valid(self) -> bool:
        """True when the core validator accepts the current text."""
        ok, _ = self._check(self.input.value.strip())
        return ok

    def _check(self, text: str) -> tuple[bool, str]:
        res = self.validator.validate(text)
        # The core's messages start with the plan key ("network.subnet_prefix: ..."): right in a plan file's error,
        # noise under a field that has its own label.
        return res.is_valid, "; ".join(PLAN_KEY.sub("", m, count=1) for m in res.failure_descriptions)

    def revalidate(self) -> None:
        """Check the current text again (the check depends on other choices, e.g. the VNet)."""
        self._show(self.input.value)
        self.post_message(self.Updated(self))

    def _show(self, text: str) -> None:
        ok, msg = self._check(text.strip())
        self.error = "" if ok else msg
        line = self.query_one(".field-message", Static)
        if ok:
            line.update(safe.text(self.hint(text.strip()) if self.hint else "✓"))
            line.remove_class("-error")
        else:
            line.update(safe.text(f"✗ {msg}"))
            line.add_class("-error")
        self.input.set_class(not ok, "-invalid")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(event.value)
        self.post_message(self.Updated(self))
