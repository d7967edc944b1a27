"""Issue #11's hardening: no secret on a debug error page or in a log, no 500 on a body in a
strange charset, login lockout, the Content-Security-Policy, and how scripts/serve runs gunicorn."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter

from crmadmin.models import Connection
from crmadmin.security import GrantCodeFilter, redact_grant_codes
from crmadmin.zoho import client_for
from tests.fixtures.users import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = "https://accounts.example.test"
API = "https://api.example.test"
TOKEN_URL = f"{ACCOUNTS}/oauth/v2/token"
SECRET = "client-secret-value-9f3c"
REFRESH = "1000.refresh-token-value-77ab"
OLD_ACCESS = "1000.old-access-token-51de"
NEW_ACCESS = "1000.new-access-token-c0fe"


def _connection(*, expired: bool, accounts: str = ACCOUNTS, api: str = API) -> Connection:
    return Connection.objects.create(
        name="Test org",
        data_centre=Connection.DataCentre.CUSTOM,
        accounts_server=accounts,
        api_domain=api,
        client_id="1000.CLIENT",
        client_secret=SECRET,
        scopes="ZohoCRM.modules.ALL,ZohoCRM.org.READ",
        refresh_token=REFRESH,
        access_token=OLD_ACCESS,
        access_token_expires_at=timezone.now() + timedelta(minutes=-1 if expired else 60),
        status=Connection.Status.CONNECTED,
    )


def _technical_500(error: BaseException) -> str:
    """The page DEBUG shows for ``error`` (with its chained causes), as Django renders it."""
    request = RequestFactory().get("/records/")
    reporter = ExceptionReporter(request, type(error), error, error.__traceback__)
    return reporter.get_traceback_html()


def _secrets_shown(html: str) -> list[str]:
    return [name for name in (SECRET, REFRESH, OLD_ACCESS, NEW_ACCESS) if name in html]


# --- 2: a person waiting for a page never waits past the deadline ------------------------------


def test_opening_a_record_while_zoho_asks_to_wait_30_s_says_when_to_try_again_at_once(
    editor_client, zoho
) -> None:
    from tests.crmadmin.record_support import edit_url, record_url

    busy = {"code": "TOO_MANY_REQUESTS", "message": "too many", "status": "error"}
    zoho.get(record_url(), status=429, headers={"Retry-After": "30"}, json=busy)
    started = time.monotonic()

    page = editor_client.get(edit_url(zoho.connection))

    assert time.monotonic() - started < 10  # no 30 s wait, let alone past gunicorn's 60 s
    assert page.status_code != 500
    assert "wait 30 seconds" in page.content.decode()
    assert [call.request.url for call in zoho.calls].count(record_url()) == 1


# --- 6: no secret on the DEBUG traceback page ------------------------------------------------


@override_settings(DEBUG=True)
def test_the_debug_page_of_a_failed_api_call_shows_no_access_token(db, mocked) -> None:
    connection = _connection(expired=False)
    mocked.get(f"{API}/crm/v8/org", body=RuntimeError("the transport broke"))

    with pytest.raises(RuntimeError) as raised:
        client_for(connection).request("GET", "org")
    html = _technical_500(raised.value)

    assert "the transport broke" in html
    assert _secrets_shown(html) == []


@override_settings(DEBUG=True)
def test_the_debug_page_of_a_failed_refresh_shows_no_secret(db, mocked) -> None:
    connection = _connection(expired=True)
    mocked.post(TOKEN_URL, body=requests.ConnectionError("accounts unreachable"))

    with pytest.raises(Exception) as raised:
        client_for(connection).request("GET", "org")
    html = _technical_500(raised.value)

    assert "accounts unreachable" in html
    assert _secrets_shown(html) == []


@override_settings(DEBUG=True)
def test_the_debug_page_of_an_error_after_a_token_answer_shows_no_secret(db, mocked) -> None:
    connection = _connection(expired=True)
    mocked.post(
        TOKEN_URL,
        json={"access_token": NEW_ACCESS, "expires_in_sec": 3600, "api_domain": API},
    )
    mocked.get(f"{API}/crm/v8/org", body=RuntimeError("failed after the refresh"))

    with pytest.raises(RuntimeError) as raised:
        client_for(connection).request("GET", "org")
    html = _technical_500(raised.value)

    assert "failed after the refresh" in html
    assert _secrets_shown(html) == []


def _fails_holding_secrets() -> None:
    client_secret = SECRET  # noqa: F841 - a local the page would show
    headers = requests.structures.CaseInsensitiveDict({"Authorization": f"Zoho {OLD_ACCESS}"})
    body = f"grant_type=authorization_code&code={REFRESH}&client_id=1"  # noqa: F841
    raise RuntimeError(f"failed with {len(headers)} header")


@override_settings(DEBUG=True)
def test_the_debug_page_hides_locals_named_like_secrets_header_mappings_and_grant_codes() -> None:
    with pytest.raises(RuntimeError) as raised:
        _fails_holding_secrets()
    html = _technical_500(raised.value)

    assert "failed with 1 header" in html
    assert "client_secret" in html and "headers" in html  # the names stay, the values go
    assert _secrets_shown(html) == []


# --- 12: an unreadable token answer is a connection error, not a 500 --------------------------


def test_a_token_answer_with_a_non_numeric_lifetime_is_a_connection_error_on_the_health_page(
    db, mocked, staff_client
) -> None:
    connection = _connection(expired=True)
    mocked.post(
        TOKEN_URL,
        json={"access_token": NEW_ACCESS, "expires_in_sec": "an hour", "api_domain": API},
    )

    page = staff_client.get(reverse("records:list", args=[connection.pk, "Contacts"]))

    # The app's page for a Zoho answer it cannot use (502), not a crash (500).
    assert page.status_code == 502
    assert 'class="topbar"' in page.content.decode()
    connection.refresh_from_db()
    assert connection.last_error
    assert connection.access_token == OLD_ACCESS  # nothing unreadable was stored
    health = staff_client.get(reverse("connections:detail", args=[connection.pk]))
    assert connection.last_error in health.content.decode()


# --- 7: secrets never go to a non-Zoho host once custom domains are off -----------------------


@override_settings(ZOHO_ALLOW_CUSTOM_DOMAINS=False)
def test_a_custom_host_connection_sends_nothing_once_custom_domains_are_off(
    db, mocked, staff_client
) -> None:
    connection = _connection(expired=True)

    page = staff_client.get(reverse("records:list", args=[connection.pk, "Contacts"]))
    revoke = staff_client.post(reverse("connections:revoke", args=[connection.pk]))

    assert page.status_code == 502 and revoke.status_code == 302
    assert len(mocked.calls) == 0
    connection.refresh_from_db()
    # The health page says nothing was sent, and that is now true.
    assert "nothing was sent" in connection.last_error
    assert connection.refresh_token == REFRESH  # not revoked at Zoho, so not wiped here either


@override_settings(ZOHO_ALLOW_CUSTOM_DOMAINS=False)
def test_an_access_token_is_not_sent_to_a_custom_api_host_once_custom_domains_are_off(
    db, mocked
) -> None:
    connection = _connection(expired=False, accounts="https://accounts.zoho.com")

    with pytest.raises(Exception, match="not a Zoho API domain"):
        client_for(connection).request("GET", "org")

    assert len(mocked.calls) == 0


# --- 8: grant codes never reach a log --------------------------------------------------------


def test_the_grant_code_is_blanked_from_a_development_server_request_line() -> None:
    record = logging.LogRecord(
        "django.server",
        logging.WARNING,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /connections/callback/?state=abc&code=1000.secretgrant&location=us HTTP/1.1", 400, 0),
        None,
    )

    assert GrantCodeFilter().filter(record) is True
    assert "1000.secretgrant" not in record.getMessage()
    assert "code=[redacted]&location=us" in record.getMessage()
    assert "state=abc" in record.getMessage()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/cb/?code=abc", "/cb/?code=[redacted]"),
        ("/cb/?x=1&code=abc def", "/cb/?x=1&code=[redacted] def"),
        ("/cb/?CODE=abc", "/cb/?CODE=[redacted]"),
        ("/cb/?error_code=E1", "/cb/?error_code=E1"),
        ('Referer "https://h/cb/?code=abc"', 'Referer "https://h/cb/?code=[redacted]"'),
    ],
)
def test_redact_grant_codes(line: str, expected: str) -> None:
    assert redact_grant_codes(line) == expected


def test_every_log_line_through_the_console_handler_passes_the_grant_code_filter(
    settings,
) -> None:
    assert "grant_codes" in settings.LOGGING["handlers"]["console"]["filters"]
    assert "grant_codes" in settings.LOGGING["loggers"]["django.server"]["filters"]


def _serve_access_format() -> str:
    script = (ROOT / "scripts" / "serve").read_text()
    return re.search(r"^access_format='(.*)'$", script, re.MULTILINE).group(1)


def test_the_gunicorn_access_log_of_scripts_serve_never_shows_a_grant_code() -> None:
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", _serve_access_format())
    request_line = "GET /connections/callback/?state=s&code=1000.secretgrant HTTP/1.1"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/connections/callback/?state=s&code=1000.secretgrant",
        "PATH_INFO": "/connections/callback/",
        "QUERY_STRING": "state=s&code=1000.secretgrant",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "http://127.0.0.1:8000/connections/callback/?code=1000.secretgrant",
        "HTTP_USER_AGENT": "test",
    }

    class Response:
        status = "302 Found"
        headers = ()
        sent = 0
        response_length = 0

    class Request:
        headers = ()

    atoms = Logger(config).atoms(Response(), Request(), environ, timedelta(seconds=0.1))
    line = config.access_log_format % atoms

    assert "GET /connections/callback/ HTTP/1.1" in line
    assert "secretgrant" not in line
    assert request_line not in line


# --- 17: gunicorn without a shared control socket ----------------------------------------------


def test_scripts_serve_runs_gunicorn_without_a_control_socket() -> None:
    script = (ROOT / "scripts" / "serve").read_text()
    help_text = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=True
    ).stdout

    assert "--no-control-socket" in script
    assert "--no-control-socket" in help_text


# --- 11: a body in a charset that does not decode is a 400 -------------------------------------


@pytest.mark.parametrize(
    "charset",
    ["utf-16", "utf-32", "cp1026", "utf-7", "x-no-such-charset", "idna", "base64", "zlib", "rot13"],
)
@pytest.mark.parametrize(
    "url",
    [
        "/login/",
        "/logout/",
        "/connections/add/",
        "/connections/1/test/",
        "/records/1/Contacts/",
        "/records/1/Contacts/55/",
        "/links/",
        "/links/bulk/",
        "/no/such/page/",
    ],
)
def test_a_post_in_an_odd_charset_is_never_a_500(staff_client, charset: str, url: str) -> None:
    staff_client.raise_request_exception = False
    body = "q=\u00e9\u20ac&Last_Name=B\u00f6yle".encode("utf-8") + b"\xff\xfe\x00"

    response = staff_client.generic(
        "POST", url, body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
    )

    assert response.status_code < 500


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("charset", ["base64", "hex", "zlib", "rot13", "x-no-such-charset"])
@pytest.mark.parametrize("url", ["/login/", "/records/?q=x", "/connections/callback/?code=x"])
def test_a_charset_that_is_not_a_text_encoding_is_a_400_from_the_wsgi_application(
    db, method: str, charset: str, url: str
) -> None:
    from werkzeug.test import Client

    from crmadmin.wsgi import application

    response = Client(application).open(
        url,
        method=method,
        data=b"q=1",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 400


def test_a_utf8_post_still_reaches_the_app_through_the_wsgi_application(db) -> None:
    from werkzeug.test import Client

    from crmadmin.wsgi import application

    response = Client(application).post(
        "/login/",
        data=b"username=x",
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )

    assert response.status_code == 403  # Django's CSRF check: the request reached Django


# --- 15: login lockout -------------------------------------------------------------------------


def test_repeated_failed_logins_lock_out_even_the_right_password(
    client, staff_user, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        failed = client.post("/login/", {"username": "staff", "password": "wrong"})
        assert failed.status_code in (200, 429)

    locked = client.post("/login/", {"username": "staff", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert 'class="topbar"' in locked.content.decode()  # the app's own page, not a bare text
    assert "_auth_user_id" not in client.session


def test_a_correct_password_logs_in_before_the_limit(client, staff_user, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "staff", "password": "wrong"})

    response = client.post("/login/", {"username": "staff", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


# --- 16: Content-Security-Policy --------------------------------------------------------------


def test_pages_carry_a_content_security_policy_with_no_inline_script_or_style(client) -> None:
    response = client.get("/login/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"].startswith("'self'")
    assert "unsafe" not in response["Content-Security-Policy"]
    assert '"includeIndicatorStyles":false' in response.content.decode()


@override_settings(ZOHO_ALLOW_CUSTOM_DOMAINS=True)
def test_the_connect_page_of_a_custom_host_lets_its_form_lead_to_that_accounts_server(
    db, staff_client
) -> None:
    connection = _connection(expired=False, accounts="http://127.0.0.1:8001")

    response = staff_client.get(reverse("connections:detail", args=[connection.pk]))

    assert "http://127.0.0.1:8001" in response["Content-Security-Policy"]
    other = staff_client.get("/connections/")
    assert "127.0.0.1:8001" not in other["Content-Security-Policy"]


@override_settings(ZOHO_ALLOW_CUSTOM_DOMAINS=False)
def test_a_custom_accounts_server_is_not_allowed_once_custom_domains_are_off(
    db, staff_client
) -> None:
    connection = _connection(expired=False, accounts="http://127.0.0.1:8001")

    response = staff_client.get(reverse("connections:detail", args=[connection.pk]))

    assert "127.0.0.1:8001" not in response["Content-Security-Policy"]


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|hx-on|javascript:", re.IGNORECASE
)


def test_no_template_holds_inline_script_style_or_event_handlers() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for match in INLINE.finditer(path.read_text())
    ]

    assert offenders == []
