"""ASGI entry point."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trackii.settings")

application = get_asgi_application()

gc.freeze()  # as trackii.wsgi does: start-up objects leave the collector's generations
