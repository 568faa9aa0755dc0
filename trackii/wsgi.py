"""WSGI entry point (gunicorn trackii.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trackii.settings")

application = get_wsgi_application()
