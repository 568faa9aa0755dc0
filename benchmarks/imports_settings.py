"""Settings of the import benchmark (benchmarks/imports.py): the project's own settings as in
production (DEBUG off, so Django keeps no query log), with fixed benchmark keys. Not for
anything else."""

import os

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "benchmark-only-track-ii-imports-not-a-deployment-key")
# A Fernet key for the import rows and notes; benchmark data only.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2htYXJrLW9ubHktbm90LWEtcmVhbC1rZXkhISE=")

from trackii.settings import *  # noqa: F403
