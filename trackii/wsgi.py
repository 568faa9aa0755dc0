"""WSGI entry point (gunicorn trackii.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trackii.settings")

application = get_wsgi_application()

# What start-up loaded (modules, models, URL patterns, settings) lives as long as the
# process: moved out of the collector's generations, a full collection during a request
# no longer walks it (40-60 ms on the first dashboard of a fresh worker, BENCHMARKS.md).
gc.freeze()
