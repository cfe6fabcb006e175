"""The one adapter from plinktui's ``str -> (ok, message)`` validators to Textual's :class:`Validator`."""

from __future__ import annotations

from collections.abc import Callable

from textual.validation import ValidationResult, Validator

from plinktui import validation

Check = Callable[[str], tuple[bool, str]]


class FieldValidator(Validator):
    """Validate an ``Input`` with the plan field's validator (the same one plan files and questionary use)."""

    def __init__(self, field: str | None = None, check: Check | None = None) -> None:
        super().__init__()
        if check is None and field is None:
            raise ValueError("FieldValidator needs a plan field name or a check function")
        self.field = field
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        """Run the core validator; its message (field, rule, example) is what the user sees."""
        ok, message = self.check(value) if self.check is not None else validation.validate_field(self.field or "",
                                                                                                 value)
        return self.success() if ok else self.failure(message)
