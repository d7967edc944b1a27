"""What keeps secrets out of error pages and logs, and malformed requests out of the views.

- ``SecretsExceptionReporterFilter`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``): the traceback page
  that DEBUG shows (the demo runs with DEBUG on) and the error e-mails hide every local whose name
  or mapping key says it holds a token or secret, and everything below a function marked with
  ``sensitive_variables``. Django's own filter stands down while DEBUG is on; this one never does.
- ``GrantCodeFilter``: a logging filter that blanks the OAuth grant code (``?code=``) from any log
  line, such as the development server's request lines for the OAuth callback.
- ``RequestBodyCheckMiddleware``: a form body that cannot be decoded in the charset its
  Content-Type names is a 400, not a ``UnicodeDecodeError`` deep in a view (a 500).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.views.debug import SafeExceptionReporterFilter

# Local names and mapping keys that hold a token, a secret or a grant code.
SECRET_NAMES = re.compile(
    r"token|secret|passw|authori[sz]ation|cookie|signature|^code$", re.IGNORECASE
)
# A grant code in a URL or a form body: `code=...` up to the next separator.
GRANT_CODE = re.compile(r"(?<![\w-])(code=)[^&\s\"']+", re.IGNORECASE)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, always on, also hiding locals and mapping entries named like secrets."""

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        items = variables.items() if isinstance(variables, Mapping) else variables
        return [(name, self._cleanse_local(name, value)) for name, value in items]

    def _cleanse_local(self, name: str, value: Any) -> Any:
        if SECRET_NAMES.search(str(name)):
            return self.cleansed_substitute
        if isinstance(value, Mapping) and not isinstance(value, dict):
            # Header dicts of requests and urllib3 are Mappings but not dicts.
            value = dict(value.items())
        if isinstance(value, dict):
            return {key: self._cleanse_local(key, item) for key, item in value.items()}
        if isinstance(value, str | bytes) and GRANT_CODE.search(_text(value)):
            return self.cleansed_substitute
        return value


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def redact_grant_codes(text: str) -> str:
    return GRANT_CODE.sub(r"\1[redacted]", text)


class GrantCodeFilter(logging.Filter):
    """Blank ``code=...`` in a log record's message: grant codes are single-use credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_grant_codes(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RequestBodyCheckMiddleware:
    """Decode a form body once, before CSRF and the views read it; undecodable is a 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in BODY_METHODS:
            try:
                request.POST  # noqa: B018 - parsing is the point: it raises on a bad charset
            except (UnicodeDecodeError, LookupError) as error:
                raise BadRequest("The form data is not in the encoding it claims") from error
        return self.get_response(request)
