"""What a person typed or pasted on the link pages, read into rows, and the choices offered."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from crmadmin.services.linking import Pair
from updater.metadata import ContactRole, Field

SPLIT = re.compile(r"\s*[,;\t]\s*")
MAX_PROBLEMS_SHOWN = 20


def deal_lines_parse(text: str) -> tuple[list[tuple[str, str]], int]:
    """``id`` or ``id, role`` per line; blanks skipped, repeats dropped (first one wins).
    Returns the lines and how many repeats were dropped."""
    lines: dict[str, str] = {}
    repeats = 0
    for raw in text.splitlines():
        parts = SPLIT.split(raw.strip(), maxsplit=1)
        external_id = parts[0].strip()
        if not external_id:
            continue
        if external_id in lines:
            repeats += 1
            continue
        lines[external_id] = parts[1].strip() if len(parts) > 1 else ""
    return list(lines.items()), repeats


def pairs_parse(text: str, roles: Sequence[ContactRole]) -> tuple[list[Pair], list[str]]:
    """CSV or tab-separated (contact, deal, role) lines; a header row is skipped. Returns the
    pairs and the first problems, one sentence per bad line."""
    dialect = "excel-tab" if "\t" in text and "," not in text else "excel"
    pairs: list[Pair] = []
    problems: list[str] = []
    for line, cells in enumerate(csv.reader(io.StringIO(text), dialect=dialect), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if line == 1 and cells[0].casefold().startswith("contact"):
            continue  # a header row
        if len(cells) < 2 or not cells[0] or not cells[1]:
            problems.append(f"Line {line}: give a contact ID and a deal ID.")
            continue
        typed = cells[2] if len(cells) > 2 else ""
        role = role_match(typed, roles) if typed else None
        if typed and role is None:
            problems.append(f"Line {line}: no contact role “{typed}”.")
            continue
        pairs.append(
            Pair(
                line=line,
                contact=cells[0],
                deal=cells[1],
                role=typed,
                role_id=role.id if role else "",
            )
        )
    return pairs, problems[:MAX_PROBLEMS_SHOWN]


def role_match(typed: str, roles: Sequence[ContactRole]) -> ContactRole | None:
    wanted = typed.strip().casefold()
    return next((r for r in roles if wanted in (r.name.casefold(), r.id)), None)


def field_choices(fields: Sequence[Field]) -> list[tuple[str, str]]:
    return [(item.api_name, f"{item.field_label} ({item.api_name})") for item in fields]


def role_choices(roles: Sequence[ContactRole]) -> list[tuple[str, str]]:
    return [("", "No role"), *((role.id, role.name) for role in roles)]
