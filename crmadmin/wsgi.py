"""WSGI entry point for gunicorn: `gunicorn crmadmin.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmadmin.settings")
application = get_wsgi_application()

# After Django is set up: a request in an unknown charset is a 400 before Django parses it.
from crmadmin.security import charset_checked  # noqa: E402

application = charset_checked(application)
