"""The preview token of the link form: confirm only the input the last preview showed.

What the preview showed of each deal travels signed in the form, so the result page can repeat
it without asking Zoho again, and a changed input (or a tampered token) sends the person back to
a fresh preview.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core import signing

SIGNING_SALT = "crmadmin.links.preview"
FINGERPRINT_FIELDS = ("contact_by", "contact_field", "contact_value", "deal_field", "deals")


def fingerprint(*, connection_id: int, cleaned_data: dict[str, Any]) -> str:
    parts = [str(connection_id), *(repr(cleaned_data.get(name)) for name in FINGERPRINT_FIELDS)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def token_dumps(data: dict[str, Any]) -> str:
    return signing.dumps(data, salt=SIGNING_SALT)


def token_loads(token: str) -> dict[str, Any]:
    """The signed data, or {} when the token is missing, tampered with or from elsewhere."""
    try:
        return signing.loads(token, salt=SIGNING_SALT)
    except signing.BadSignature:
        return {}
