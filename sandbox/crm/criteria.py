"""Parse and evaluate search criteria like ((Last_Name:equals:Burns\\,B)and(Amount:between:1,9)).

Grammar and operators per zoho-api.md §3.3: groups in parentheses joined by `and`/`or`, at most 10
conditions, `\\` escapes `(`, `)`, `,` and itself inside values, `equals` on text means "contains".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.clock import parse_iso
from sandbox.http import ApiError
from sandbox.metadata.modules import Module

Predicate = Callable[[dict[str, Any]], bool]
TEXTY = {"text", "textarea", "email", "phone", "website", "autonumber", "profileimage"}
NUMERIC = {
    "integer",
    "bigint",
    "double",
    "currency",
    "percent",
    "decimal",
    "formula",
    "rollup_summary",
    "date",
    "datetime",
}
OPERATORS = {
    "text": {"equals", "not_equal", "starts_with", "in"},
    "picklist": {"equals", "not_equal", "in"},
    "boolean": {"equals", "not_equal"},
    "number": {
        "equals",
        "not_equal",
        "in",
        "greater_than",
        "greater_equal",
        "less_than",
        "less_equal",
        "between",
    },
    "multiselectpicklist": {"equals", "not_equal", "in", "starts_with"},
    "lookup": {"equals", "not_equal", "in"},
}
MAX_CONDITIONS = 10

Chars = list[tuple[str, bool]]  # (character, was it escaped)


def invalid(reason: str, **details: Any) -> ApiError:
    return ApiError("INVALID_QUERY", {"reason": reason, **details})


class Parser:
    def __init__(self, text: str, module: Module) -> None:
        self.text, self.pos, self.module, self.conditions = text.strip(), 0, module, 0

    def parse(self) -> Predicate:
        predicate = self.group()
        if self.pos != len(self.text):
            raise invalid("invalid query formed", position=self.pos)
        return predicate

    def peek(self, word: str) -> bool:
        return self.text[self.pos : self.pos + len(word)].lower() == word

    def group(self) -> Predicate:
        if not self.peek("("):
            raise invalid("invalid query formed", position=self.pos)
        self.pos += 1
        node = self.group() if self.peek("(") else self.condition()
        while self.peek("and(") or self.peek("or("):
            joiner = "and" if self.peek("and") else "or"
            self.pos += len(joiner)
            left, right = node, self.group()
            node = (
                (lambda r, a=left, b=right: a(r) and b(r))
                if joiner == "and"
                else (lambda r, a=left, b=right: a(r) or b(r))
            )
        if not self.peek(")"):
            raise invalid("invalid query formed", position=self.pos)
        self.pos += 1
        return node

    def condition(self) -> Predicate:
        chars: Chars = []
        while self.pos < len(self.text) and self.text[self.pos] != ")":
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                chars.append((self.text[self.pos + 1], True))
                self.pos += 2
                continue
            chars.append((char, False))
            self.pos += 1
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise ApiError(
                "LIMIT_EXCEEDED",
                {"param_name": "criteria", "limit": MAX_CONDITIONS},
                "the number of conditions exceeds the limit",
            )
        parts = _split(chars, ":", 2)
        if len(parts) != 3:
            raise invalid("invalid query formed", position=self.pos)
        field_name, op = _text(parts[0]).strip(), _text(parts[1]).strip().lower()
        values = [_text(v) for v in _split(parts[2], ",")]
        return build(self.module, field_name, op, values)


def _split(chars: Chars, sep: str, max_parts: int = 0) -> list[Chars]:
    parts: list[Chars] = [[]]
    for char, escaped in chars:
        if char == sep and not escaped and (not max_parts or len(parts) < max_parts + 1):
            parts.append([])
        else:
            parts[-1].append((char, escaped))
    return parts


def _text(chars: Chars) -> str:
    return "".join(c for c, _ in chars)


def _kind(data_type: str) -> str:
    if data_type in TEXTY:
        return "text"
    if data_type in NUMERIC:
        return "number"
    if data_type in {"lookup", "ownerlookup", "userlookup"}:
        return "lookup"
    return data_type if data_type in OPERATORS else "text"


def _number(value: Any, data_type: str) -> float | None:
    if value is None or value == "":
        return None
    if data_type == "datetime":
        ts = parse_iso(str(value))
        return None if ts is None else float(ts)
    if data_type == "date":
        return float(str(value).replace("-", "")) if str(value)[:4].isdigit() else None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def build(module: Module, name: str, op: str, values: list[str]) -> Predicate:  # noqa: C901
    base, _, sub = name.partition(".")
    field = module.by_name.get(base) if base != "id" else {"data_type": "bigint"}
    if field is None:
        raise invalid("the api name given seems to be invalid", api_name=name)
    data_type = field["data_type"]
    kind = _kind(data_type)
    if op not in OPERATORS[kind]:
        raise invalid("invalid operator found", api_name=name, operator=op)
    if op == "between" and len(values) != 2:
        raise invalid("between needs two values", api_name=name)
    if op == "in" and len(values) > 100:
        raise ApiError("LIMIT_EXCEEDED", {"api_name": name, "limit": 100})
    wanted = [v.strip().lower() for v in values]

    def get(record: dict[str, Any]) -> Any:
        value = record.get(base)
        if isinstance(value, dict):
            return value.get(sub or "name")
        return value

    if kind == "number":
        nums = [_number(v, data_type) for v in values]
        compare = {
            "equals": lambda x: x == nums[0],
            "not_equal": lambda x: x != nums[0],
            "greater_than": lambda x: x > nums[0],
            "greater_equal": lambda x: x >= nums[0],
            "less_than": lambda x: x < nums[0],
            "less_equal": lambda x: x <= nums[0],
            "between": lambda x: nums[0] <= x <= nums[1],
            "in": lambda x: x in nums,
        }[op]

        def numeric(record: dict[str, Any]) -> bool:
            value = _number(get(record), data_type)
            return value is not None and None not in nums and compare(value)

        return numeric

    def texty(record: dict[str, Any]) -> bool:
        value = get(record)
        items = (
            [str(v).lower() for v in value]
            if isinstance(value, list)
            else ([] if value is None else [str(value).lower()])
        )
        if kind == "lookup" and isinstance(record.get(base), dict) and not sub:
            items.append(str(record[base].get("id", "")).lower())
        if op == "equals":
            # Zoho: equals on text fields matches substrings ("contains").
            return any(wanted[0] in item if kind == "text" else wanted[0] == item for item in items)
        if op == "not_equal":
            return all(wanted[0] != item for item in items)
        if op == "starts_with":
            return any(item.startswith(wanted[0]) for item in items)
        return any(item in wanted for item in items)

    return texty
