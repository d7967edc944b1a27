"""Short text shown next to one field, from a FieldError's code and details."""

from __future__ import annotations

from updater.errors import FieldError

TYPE_HINTS = {
    "integer": "Enter a whole number.",
    "bigint": "Enter a whole number.",
    "double": "Enter a number.",
    "decimal": "Enter a number.",
    "currency": "Enter an amount.",
    "percent": "Enter a percentage.",
    "boolean": "Choose yes or no.",
    "date": "Enter a date as YYYY-MM-DD.",
    "datetime": "Enter a date and time.",
    "email": "Enter a valid email address.",
    "phone": "Enter a valid phone number.",
    "website": "Enter a valid web address.",
    "picklist": "Choose one of the listed values.",
    "multiselectpicklist": "Choose from the listed values.",
    "lookup": "Choose an existing record.",
    "ownerlookup": "Choose an active user.",
    "userlookup": "Choose an active user.",
    "jsonarray": "Enter a list of values.",
    "jsonobject": "Choose an existing record.",
}


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "This value was not accepted."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _invalid_data_text(field_error: FieldError, label: str) -> str:
    details = field_error.details
    if "maximum_length" in details:
        return f"Enter at most {details['maximum_length']} characters."
    if "minimum_length" in details:
        return f"Enter at least {details['minimum_length']} characters."
    if details.get("supported_values"):
        return "Choose one of: " + ", ".join(map(str, details["supported_values"])) + "."
    if "regex" in details:
        return f"{label} is not in the expected format."
    hint = TYPE_HINTS.get(str(details.get("expected_data_type", "")))
    return hint or f"{label} has a value Zoho does not accept."


def field_message(field_error: FieldError, *, label: str) -> str:
    """Short text shown next to the field."""
    code = field_error.code
    details = field_error.details
    if code == "INVALID_DATA":
        return _invalid_data_text(field_error, label)
    if code in ("MANDATORY_NOT_FOUND", "REQUIRED_DATA_NOT_FOUND", "EXPECTED_FIELD_MISSING"):
        return f"{label} is required."
    if code == "DUPLICATE_DATA":
        return "Another record already has this value."
    if code == "DEPENDENT_FIELD_MISSING":
        dependee = (details.get("dependee") or {}).get("api_name", "another field")
        return f"{label} needs {dependee} to be filled in too."
    if code == "LIMIT_EXCEEDED" and "limit" in details:
        return f"Enter at most {details['limit']} values."
    if code in ("NOT_ALLOWED", "RESERVED_KEYWORD_NOT_ALLOWED"):
        return f"{label} cannot be set to this value."
    if code == "PATTERN_NOT_MATCHED":
        return f"{label} is not in the expected format."
    if code == "AMBIGUITY_DURING_PROCESSING":
        return f"{label} conflicts with another value; keep only one."
    return _sentence(field_error.message)
