"""What Zoho answers, and what a test expects to be sent, in one line each.

``expect`` registers one mocked call whose request must carry the given headers, JSON body and
query string (responses' matchers refuse any other request, and the ``mocked`` fixture fails a test
whose expected call was never made), so a test states what was SENT where it
arranges what Zoho answers.
"""

from __future__ import annotations

from typing import Any

import responses
from responses import matchers


def ok_entry(message: str, **details: Any) -> dict[str, Any]:
    return {"code": "SUCCESS", "details": details, "message": message, "status": "success"}


def error_entry(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "details": details or {}, "message": message, "status": "error"}


def data(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"data": list(entries)}


def per_record(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A write answer whose one record failed: the error sits inside ``data[]``."""
    return data(error_entry(code, message, details))


def expect(
    mocked: responses.RequestsMock,
    method: str,
    url: str,
    *,
    sent_headers: dict[str, str] | None = None,
    sent_json: Any = None,
    sent_query: dict[str, str] | None = None,
    **answer: Any,
) -> None:
    """Zoho answers ``answer`` (json=, status=, body=…) only to a request that sent these."""
    match = []
    if sent_headers is not None:
        match.append(matchers.header_matcher(sent_headers))
    if sent_json is not None:
        match.append(matchers.json_params_matcher(sent_json))
    if sent_query is not None:
        match.append(matchers.query_param_matcher(sent_query))
    mocked.add(method, url, match=match, **answer)
