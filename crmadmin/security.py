"""What keeps secrets out of error pages and logs, and malformed requests out of the views.

- ``SecretsExceptionReporterFilter`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``): the traceback page
  that DEBUG shows (the demo runs with DEBUG on) and the error e-mails hide every local whose name
  or mapping key says it holds a token or secret, and everything below a function marked with
  ``sensitive_variables``. Django's own filter stands down while DEBUG is on; this one never does.
- ``GrantCodeFilter``: a logging filter that blanks the OAuth grant code (``?code=``) from any log
  line, such as the development server's request lines for the OAuth callback.
- ``charset_checked``: around the WSGI application, a Content-Type naming a charset that is not a
  text encoding is a 400, not a ``LookupError`` while Django builds the request (a 500).
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.http import parse_header_parameters
from django.views.debug import SafeExceptionReporterFilter

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Local names and mapping keys that hold a token, a secret or a grant code.
SECRET_NAMES = re.compile(
    r"token|secret|passw|authori[sz]ation|cookie|signature|^code$", re.IGNORECASE
)
# A grant code in a URL or a form body: `code=...` up to the next separator.
GRANT_CODE = re.compile(r"(?<![\w-])(code=)[^&\s\"']+", re.IGNORECASE)


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


def form_action_allow(response: HttpResponseBase, *origins: str) -> HttpResponseBase:
    """Let this page's forms lead to ``origins`` too (django-csp's per-response update).

    "Connect" posts to our view, which redirects to the connection's accounts server; browsers
    check that redirect against the page's form-action. Zoho's own accounts servers are in the
    base policy; a custom one (the sandbox CRM) is added on the page that connects to it.
    """
    wanted = [origin.rstrip("/") for origin in origins if origin]
    if wanted:
        response._csp_update = {"form-action": wanted}  # type: ignore[attr-defined]
    return response


def _is_text_encoding(charset: str) -> bool:
    try:
        codecs.lookup(charset)
        b"a".decode(charset, "replace")  # not b"": empty bytes decode without a codec lookup
    except LookupError:
        return False
    except UnicodeError:
        return True  # a text codec that merely refuses "replace" (idna)
    return True


def charset_checked(application: WSGIApplication) -> WSGIApplication:
    """Wrap the WSGI application: a Content-Type whose charset is not a text encoding gets a 400.

    Django decodes the query string in the request's charset while it builds the request, before
    any middleware runs: ``charset=base64`` (or ``zlib``, ``rot13``, an unknown name) raised
    ``LookupError`` there, which no Django error handler sees, so the server answered 500.
    """

    def checked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        _, params = parse_header_parameters(environ.get("CONTENT_TYPE", ""))
        charset = params.get("charset")
        if charset and not _is_text_encoding(charset):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Bad Request (400): the Content-Type names an unknown charset.\n"]
        return application(environ, start_response)

    return checked
