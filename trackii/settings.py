"""Track II settings, driven by environment variables.

Every value has a default that runs locally with nothing installed: a SQLite file under
``var/``, a Celery broker on the filesystem, e-mail to the console. Production sets
``DATABASE_URL``, ``REDIS_URL`` and a real ``SECRET_KEY``; see the README's table.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Where the embedded default keeps its SQLite file and its broker folder.
VAR_DIR = Path(env.str("TRACKII_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=True)

# A throwaway key is allowed only while DEBUG is on; production must bring its own.
_INSECURE_KEY_PREFIX = "django-insecure-"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _INSECURE_KEY_PREFIX + "track-ii-local-development-only"
if not DEBUG and (not SECRET_KEY or SECRET_KEY.startswith(_INSECURE_KEY_PREFIX)):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off Track II refuses to start without a real "
        "secret key: set SECRET_KEY to a long random string (for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_countries",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    "contacts",
    "events",
    "indicators",
    "demo",
    "trackii",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside every other middleware but WhiteNoise (inserted before it below), so that each
    # dynamic answer, errors and lockouts included, is private, no-store.
    "trackii.security.PrivateNoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "contacts.middleware.UserTimezoneMiddleware",
    # After CSRF and authentication: keeps a POST that met an ended session (trackii.drafts).
    "trackii.drafts.DraftMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into a 429.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Static files from collectstatic; with DEBUG on, runserver serves them itself.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "trackii.urls"
WSGI_APPLICATION = "trackii.wsgi.application"
ASGI_APPLICATION = "trackii.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "contacts.context_processors.climate",
            ],
        },
    },
]

# Storage: a SQLite file by default so that the project runs with nothing installed.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'trackii.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
# PostgreSQL's JIT compiles a statement's expressions when its estimated cost is high: for
# the indicators' many FILTER aggregates that took longer than running them (170 ms of
# 410 ms measured, BENCHMARKS.md). PG_JIT=on restores the server's choice.
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env.bool(
    "PG_JIT", default=False
):
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# django-axes first: it refuses a locked-out username and address before any password check.
# Every authenticate() call must pass the request, or axes raises.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's target, served by WhiteNoise with DEBUG off (scripts/run: var/static).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "login"

# E-mail: printed to the console unless EMAIL_URL names a real server.
# email_url() returns EMAIL_BACKEND, EMAIL_HOST and friends as one dict.
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Track II <track-ii@localhost>")
# The app's own address, for the absolute links in e-mails (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Security headers and cookies. `check --deploy` is clean with DEBUG off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: Django's CSRF check over HTTPS relies on a same-origin Referer.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Secure cookies travel over HTTPS only; scripts/run turns them off for its plain-HTTP local URL.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Idle timeout: every request pushes the expiry forward, so only idleness ends a session.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# Pages warn this many seconds before the session ends, with "Stay signed in" (session.js).
SESSION_EXPIRY_WARNING_SECONDS = env.int("SESSION_EXPIRY_WARNING_SECONDS", default=2 * 60)

# Content-Security-Policy (django-csp 4): our own origin only, nothing inline. The one inline
# script we serve (the periodic-task form's override) carries the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Proxies in front that append to X-Forwarded-For; 0 trusts REMOTE_ADDR only, so a client
# cannot pick its own address to dodge throttling or lockout.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# Login lockout (django-axes) on every form and API view that calls authenticate(): after
# AXES_FAILURE_LIMIT failures the same username from the same address is refused, even with
# the right password, until AXES_COOLOFF_TIME has passed without another attempt.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "trackii.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "trackii.security.client_ip_address"
# Log lines name the path only: usernames, addresses and user agents are masked.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent"]
# The admin pages of axes offer no add view, which the every-page admin test does not allow
# for yet; unlock with `manage.py axes_reset_username <name>` (or axes_reset_ip_username).
AXES_ENABLE_ADMIN = False

# Error reports (the debug page, e-mails to ADMINS) show no personal data: no POST or GET
# values, cookies, local variables, or settings that hold credentials.
DEFAULT_EXCEPTION_REPORTER = "trackii.security.RedactingExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "trackii.security.RedactingExceptionReporterFilter"

# Field encryption keys (Fernet), newest first, so that keys can rotate. With DEBUG on and
# no keys, contacts.crypto derives a development key from SECRET_KEY; with DEBUG off the
# keys are required (see below).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not DEBUG and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is not set. With DEBUG off Track II refuses to start without "
        "the keys that encrypt private notes: set it to one or more Fernet keys, newest "
        "first (`python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'`)."
    )

# Keep-in-touch rules (DESIGN.md): the climate factor applies to informal channels only.
CLIMATE_FACTORS = {
    "normal": env.float("CLIMATE_FACTOR_NORMAL", default=1.0),
    "elevated": env.float("CLIMATE_FACTOR_ELEVATED", default=0.75),
    "high": env.float("CLIMATE_FACTOR_HIGH", default=0.5),
    "crisis": env.float("CLIMATE_FACTOR_CRISIS", default=0.25),
}
ESCALATION_DAYS = env.int("ESCALATION_DAYS", default=7)
# How escalations reach a lead: "batched" (one e-mail per lead per window listing every key
# channel newly past the threshold) or "digest" (a section of the lead's daily digest).
ESCALATION_DELIVERY = env.str("ESCALATION_DELIVERY", default="batched")
if ESCALATION_DELIVERY not in {"batched", "digest"}:
    raise ImproperlyConfigured("ESCALATION_DELIVERY is either batched or digest.")
ESCALATION_WINDOW_MINUTES = env.int("ESCALATION_WINDOW_MINUTES", default=60)
# Event reminders: chase unanswered invitations this many days before an event; ask
# officers to log an exchange for events that ended within this many days.
RSVP_CHASE_DAYS = env.int("RSVP_CHASE_DAYS", default=7)
EVENT_FOLLOW_UP_DAYS = env.int("EVENT_FOLLOW_UP_DAYS", default=14)
CALENDAR_FEED_PAST_DAYS = env.int("CALENDAR_FEED_PAST_DAYS", default=90)

# Celery. Without a broker URL the broker is a folder on disk (kombu's filesystem
# transport), so the embedded default needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _BROKER_DIR = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "contacts.schema.AutoSchema",
    "EXCEPTION_HANDLER": "contacts.rest.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "contacts.rest.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "contacts.rest.StableOrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DATETIME_FORMAT": "iso-8601",
    # Token first, so that a request without credentials is answered 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_RATE_ANON", default="30/minute"),
        "user": env.str("THROTTLE_RATE_USER", default="600/minute"),
        "token": env.str("THROTTLE_RATE_TOKEN", default="10/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Track II API",
    "DESCRIPTION": (
        "Relationship manager for informal diplomacy. Authenticate with "
        "`POST /api/v1/auth/token/` and send `Authorization: Token <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    # Swagger UI from the project's own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to Swagger's online validator: the tool runs offline.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# No personal data in logs: log levels and names only, nothing from request bodies. RSVP and
# calendar-feed URLs carry their token in the path: the loggers that write a request's path
# (and every handler here) redact it. gunicorn's own logs: gunicorn.conf.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_url_tokens": {"()": "trackii.logging.RedactUrlTokens"},
        "client_errors_without_traceback": {"()": "trackii.logging.ClientErrorsWithoutTraceback"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_url_tokens"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_url_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # SQL statements carry their parameters (names, notes), even with LOG_LEVEL=DEBUG.
        "django.db.backends": {"level": "INFO"},
        # A filter on the logger rewrites the record for every handler, Django's e-mail to
        # ADMINS included; runserver's access log keeps Django's own format.
        # A 403 or 404 is one line: the reason, not a traceback.
        "django.request": {"filters": ["client_errors_without_traceback", "redact_url_tokens"]},
        "django.security.csrf": {"filters": ["redact_url_tokens"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_url_tokens"],
        },
    },
}
