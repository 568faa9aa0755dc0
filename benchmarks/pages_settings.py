"""Settings of the page benchmark (benchmarks/pages.py): the project's own settings as in
production (DEBUG off). Not for anything else.

- DEBUG is off, so Django records no query log (CaptureQueriesContext turns it on only
  for the one request whose queries it counts) and the production middleware is in place.
- The test client's host is allowed and nothing redirects to HTTPS.
- E-mail stays in memory (the escalation run sends one message per lead).
- Static files are not collected: their URLs are plain, not from a manifest.
"""

import os
import warnings

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "benchmark-only-track-ii-pages-latency-not-a-deployment-key")
# A Fernet key for encrypted fields; benchmark data only.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2htYXJrLW9ubHktbm90LWEtcmVhbC1rZXkhISE=")

from trackii.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No collectstatic here: static URLs are plain (a manifest lookup costs about the same).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise (DEBUG off) warns that collectstatic never ran; the pages are timed without it.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
ROOT_URLCONF = "benchmarks.pages_urls"
# The users are signed in by the test client (force_login), without a second factor: the
# policy's middleware still runs on every request, and lets them through.
MFA_REQUIRED_ROLES = ()
