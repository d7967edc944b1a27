"""Bench settings: the test settings plus the bench-only admin_wide app (never in the product)."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.admin_wide"]  # noqa: F405
ALLOWED_HOSTS = ["*"]
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
