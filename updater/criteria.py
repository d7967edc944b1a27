"""Search criteria: ``(Field:operator:value)`` conditions joined by and/or (zoho-api.md §3.3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_CONDITIONS = 10
MAX_IN_VALUES = 100
OPERATORS = frozenset(
    {
        "equals",
        "not_equal",
        "starts_with",
        "in",
        "greater_than",
        "greater_equal",
        "less_than",
        "less_equal",
        "between",
    }
)


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: str | list[str]


Criteria = Condition | Sequence[Condition] | str


def criteria_value_escape(value: str) -> str:
    """Backslash first (so a trailing one is doubled), then ( ) and , (zoho-api.md §3.3)."""
    escaped = str(value).replace("\\", "\\\\")
    for character in "(),":
        escaped = escaped.replace(character, "\\" + character)
    return escaped


def _condition_text(condition: Condition) -> str:
    if condition.operator not in OPERATORS:
        raise ValueError(f"Unknown search operator {condition.operator!r}")
    if not condition.field.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"Not a field API name: {condition.field!r}")
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    if condition.operator == "in" and len(values) > MAX_IN_VALUES:
        raise ValueError(f"'in' takes at most {MAX_IN_VALUES} values")
    if condition.operator == "between" and len(values) != 2:
        raise ValueError("'between' takes exactly two values")
    text = ",".join(criteria_value_escape(value) for value in values)
    return f"({condition.field}:{condition.operator}:{text})"


def criteria_build(*, conditions: list[Condition], join: str = "and") -> str:
    """``(A:equals:x)`` or ``((A:equals:x)and(B:in:y,z))``; at most 10 conditions."""
    if join not in ("and", "or"):
        raise ValueError("join must be 'and' or 'or'")
    if not conditions or len(conditions) > MAX_CONDITIONS:
        raise ValueError(f"Give between 1 and {MAX_CONDITIONS} conditions")
    parts = [_condition_text(condition) for condition in conditions]
    return parts[0] if len(parts) == 1 else "(" + join.join(parts) + ")"
