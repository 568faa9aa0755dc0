"""Settings of the REST API benchmark (benchmarks/api.py): the project's own settings as in
production (DEBUG off), plus the floor's URLs. Not for anything else.

- DEBUG is off, so Django records no query log and the production middleware (WhiteNoise)
  is in place; the secret key and the notes' encryption key are fixed benchmark values, so
  that the notes written by the data generation decrypt on the next run.
- The test client's host is allowed and nothing redirects to HTTPS.
- The per-user throttle is off: at 600 requests a minute the benchmark would be throttled,
  and with a higher rate DRF's throttle history (every request of the last minute, read and
  written on each request) would grow with the benchmark's own speed.
"""

import os
import warnings

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "benchmark-only-track-ii-api-latency-not-a-deployment-key")
# A Fernet key for the generated private notes; benchmark data only.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2htYXJrLW9ubHktbm90LWEtcmVhbC1rZXkhISE=")

from trackii.settings import *  # noqa: F403
from trackii.settings import REST_FRAMEWORK

ROOT_URLCONF = "benchmarks.api_urls"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
# WhiteNoise (DEBUG off) warns that collectstatic never ran; the API serves no static file.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": None},
}
