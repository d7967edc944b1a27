"""Test settings: crmadmin.settings with safe defaults for the variables production must set.

Values already in the environment win (CI sets DATABASE_URL and CACHE_URL for PostgreSQL/Redis).
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("ZOHO_ALLOW_CUSTOM_DOMAINS", "true")
os.environ.setdefault("ZOHO_RETRY_BACKOFF", "0")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# Slot locks of this test process (without Redis): pytest-xdist workers do not share them (each
# names its folder after itself, not the controller's folder it inherits), and a `db_worker` the
# tests start inherits its worker's folder with the environment.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_slots_folder = os.environ.get("ZOHO_BUDGET_LOCK_FOLDER", "")
if not _slots_folder or (_xdist_worker and not _slots_folder.endswith(f"-{_xdist_worker}")):
    _suffix = f"-{_xdist_worker}" if _xdist_worker else ""
    os.environ["ZOHO_BUDGET_LOCK_FOLDER"] = os.path.join(
        tempfile.gettempdir(), f"crmadmin-slots-{os.getpid()}{_suffix}"
    )

from crmadmin.settings import *  # noqa: E402, F403 - the environment above is read by it

# Tasks run at once in tests that are not about the worker; tests that are (a real `db_worker`)
# enqueue on the "database" backend.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
JOBS_RETRY_BACKOFF = 0

# PBKDF2 is slow on purpose; tests only need a hasher that works.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A file, not SQLite's shared-cache memory database: shared-cache table locks ignore the busy
# timeout, so threads would fail with "table is locked" where production processes simply wait.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"crmadmin-test-{os.getpid()}.sqlite3")
    }
