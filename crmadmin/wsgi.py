"""WSGI entry point for gunicorn: `gunicorn crmadmin.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmadmin.settings")
application = get_wsgi_application()
