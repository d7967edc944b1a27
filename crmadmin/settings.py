"""Settings for crmadmin: one module, differences come from environment variables.

Every variable is listed and explained in `.env.example`.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from updater.oauth import DATA_CENTRES

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A development key only while DEBUG is on: production must set its own.
if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # Django's widget templates, for the project engine that FORM_RENDERER uses
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "crmadmin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crmadmin.urls"
WSGI_APPLICATION = "crmadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # What repeats hundreds of times per page: form rows and widgets, the list's rows.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "crmadmin.templating.environment"},
    },
]

# Every form row and widget through one renderer: Jinja2 templates (templates/jinja2/crmadmin/
# forms/field.html, templates/jinja2/crmadmin/widgets/, Django's own jinja2 widgets).
FORM_RENDERER = "crmadmin.forms.renderer.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores SELECT ... FOR UPDATE; IMMEDIATE transactions take the write lock up front,
    # so two processes refreshing one token queue (for up to `timeout` s) instead of failing
    # with "database is locked". WAL lets readers go on meanwhile.
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault("timeout", 30)
    _sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL;")
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://crmadmin")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Production hardening, on whenever DEBUG is off (manage.py check --deploy passes).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Submitting a domain to the browsers' HSTS preload list is the domain owner's decision (it is hard
# to undo), so preload stays opt-in and its deploy-check reminder is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The traceback page (the demo runs with DEBUG on) and error e-mails hide tokens and secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "crmadmin.security.SecretsExceptionReporterFilter"

# --- Login throttling (django-axes) -------------------------------------------------------
# Failures are counted in the database, so every gunicorn worker sees the same count.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# A username is locked from one address only, so a stranger cannot lock a colleague out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False
# Behind a proxy, how many proxies add themselves to X-Forwarded-For (0: use REMOTE_ADDR).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# --- Content-Security-Policy (django-csp) -------------------------------------------------
# Scripts and styles come from our own static files only: no inline script or style, no eval
# (htmx's inline indicator style is turned off in base.html; app.css has those rules).
# "Connect" posts a form that redirects to the Zoho accounts server, and browsers check the
# redirect against form-action, so Zoho's accounts servers are listed there (a custom one, such
# as the sandbox CRM's, is added by the page that connects to it: crmadmin.security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *(centre.accounts_url for centre in DATA_CENTRES.values())],
        "frame-ancestors": [NONE],
    }
}

# --- Tokens at rest -------------------------------------------------------------------------
# Fernet keys, newest first; older keys still decrypt until `manage.py rotate_token_keys` has
# re-encrypted every row with the newest one.
if DEBUG:
    TOKEN_ENCRYPTION_KEYS = env.list(
        "TOKEN_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktdG9rZW4ta2V5LWNoYW5nZS1tZS0wMDA="]
    )
else:
    TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS")

# --- Zoho ---------------------------------------------------------------------------------
# Default OAuth client for new connections (each connection may carry its own).
ZOHO_CLIENT_ID = env.str("ZOHO_CLIENT_ID", default="")
ZOHO_CLIENT_SECRET = env.str("ZOHO_CLIENT_SECRET", default="")
# Where Zoho sends the browser back after consent; must match the client's registered URI.
ZOHO_REDIRECT_URI = env.str("ZOHO_REDIRECT_URI", default="")
# Only true for the sandbox CRM or a test double: lets a connection use a non-Zoho host.
ZOHO_ALLOW_CUSTOM_DOMAINS = env.bool("ZOHO_ALLOW_CUSTOM_DOMAINS", default=False)
ZOHO_TIMEOUT_SECONDS = env.float("ZOHO_TIMEOUT_SECONDS", default=20.0)
# Everything one page request asks of Zoho (token refresh, attempts, waits between retries) ends
# within this many seconds, well inside gunicorn's 60 s worker timeout.
ZOHO_REQUEST_DEADLINE_SECONDS = env.float("ZOHO_REQUEST_DEADLINE_SECONDS", default=20.0)
ZOHO_RETRY_TOTAL = env.int("ZOHO_RETRY_TOTAL", default=3)
ZOHO_RETRY_BACKOFF = env.float("ZOHO_RETRY_BACKOFF", default=0.5)
ZOHO_METADATA_TTL_SECONDS = env.int("ZOHO_METADATA_TTL_SECONDS", default=3600)
# The API budget (crmadmin/budget.py). Slots for calls in flight live in Redis when this is set
# (by default: CACHE_URL when that is Redis), otherwise in the database.
ZOHO_BUDGET_REDIS_URL = env.str(
    "ZOHO_BUDGET_REDIS_URL",
    default=CACHES["default"]["LOCATION"]
    if "redis" in CACHES["default"]["BACKEND"].lower()
    else "",
)
# Without Redis, on SQLite (one host: the web process and the demo's task worker), slots are OS
# file locks in this folder: no database write per call (issue #16). Empty: leases in the database
# (PostgreSQL without Redis, several hosts). One folder per database file.
ZOHO_BUDGET_LOCK_FOLDER = env.str(
    "ZOHO_BUDGET_LOCK_FOLDER",
    default=""
    if ZOHO_BUDGET_REDIS_URL or DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
    else str(
        Path(tempfile.gettempdir())
        / "crmadmin-slots"
        / hashlib.sha256(str(DATABASES["default"]["NAME"]).encode()).hexdigest()[:16]
    ),
)
# A slot's lease outlives the longest attempt; a crashed process's slot is free after this.
ZOHO_BUDGET_LEASE_SECONDS = env.float(
    "ZOHO_BUDGET_LEASE_SECONDS", default=ZOHO_TIMEOUT_SECONDS + 10
)
# How long a page waits for a free slot (never past its request deadline), then says "busy".
ZOHO_BUDGET_SLOT_WAIT_SECONDS = env.float("ZOHO_BUDGET_SLOT_WAIT_SECONDS", default=10.0)
# A job's wait when its connection is busy; "try again in" when crmadmin itself says busy.
ZOHO_BUDGET_RETRY_SECONDS = env.float("ZOHO_BUDGET_RETRY_SECONDS", default=2.0)

# API call counts, last-success times and (with a shared Redis cache) the budget's hourly credits
# are counted in the cache and written to the database at most this often per connection (or
# every ZOHO_CALLS_FLUSH_BATCH calls): a page that only reads writes nothing (issue #16).
ZOHO_CALLS_FLUSH_SECONDS = env.float("ZOHO_CALLS_FLUSH_SECONDS", default=60.0)
ZOHO_CALLS_FLUSH_BATCH = env.int("ZOHO_CALLS_FLUSH_BATCH", default=100)
ZOHO_BUDGET_COUNT_IN_CACHE = env.bool(
    "ZOHO_BUDGET_COUNT_IN_CACHE",
    default=any(shared in CACHES["default"]["BACKEND"].lower() for shared in ("redis", "memcache")),
)

# --- Background jobs (Django's Tasks API through the django-tasks backport) -------------------
# The database backend: `manage.py db_worker` processes claim tasks with SELECT ... FOR UPDATE
# SKIP LOCKED on PostgreSQL (scripts/serve starts TASK_WORKERS of them; scripts/demo one).
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# A running job that has not shown a heartbeat for this long is resumed by `jobs_resume`.
JOBS_STALE_SECONDS = env.int("JOBS_STALE_SECONDS", default=120)
# Back-off after a transient fault (429 without Retry-After, 5xx, timeout): base * 2**n seconds.
JOBS_RETRY_BACKOFF = env.float("JOBS_RETRY_BACKOFF", default=2.0)
# Consecutive transient faults before a job stops (with the reason shown) instead of waiting on.
JOBS_MAX_TRANSIENT = env.int("JOBS_MAX_TRANSIENT", default=8)
# A job paused below its connection's credit reserve checks again after this many seconds.
JOBS_BUDGET_PAUSE_SECONDS = env.float("JOBS_BUDGET_PAUSE_SECONDS", default=60.0)

# --- The sandbox CRM (the offline Zoho stand-in) ---------------------------------------------
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8001")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # OAuth grant codes (the callback's ?code=) never reach a log line.
    "filters": {"grant_codes": {"()": "crmadmin.security.GrantCodeFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["grant_codes"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {
            "level": "WARNING",
            "handlers": ["console"],
            "filters": ["grant_codes"],
            "propagate": False,
        },
        # Lockouts are warnings; every successful login at INFO would drown them.
        "axes": {"level": "WARNING"},
    },
}
