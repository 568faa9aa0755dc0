"""Track II settings, driven by environment variables.

Every value has a default that runs locally with nothing installed: a SQLite file under
``var/``, a Celery broker on the filesystem, e-mail to the console. Production sets
``DATABASE_URL``, ``REDIS_URL`` and a real ``SECRET_KEY``; see the README's table.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from trackii.logging import configure_structlog

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
    # For allauth's list of security keys ({% load humanize %}).
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    # Sign-in (issue 18): allauth's accounts and second factors (TOTP, WebAuthn, recovery
    # codes); trackii.accounts adapts them.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Single sign-on through OpenID Connect (OIDC_*, below; trackii.sso), and the list of a
    # user's sessions that they (or a lead, an admin) can end (trackii.user_sessions).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "django_prometheus",
    "django_structlog",
    "contacts",
    "events",
    "indicators",
    "demo",
    "trackii",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Times each request from here (trackii.metrics); after WhiteNoise, so not static files.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Outside every other middleware but WhiteNoise (inserted before it below), so that each
    # dynamic answer, errors and lockouts included, is private, no-store.
    "trackii.security.PrivateNoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout: the session saved with a fresh expiry at most once a minute.
    "trackii.idle_timeout.IdleTimeoutMiddleware",
    # The language of the answer (issue 19): the switcher's cookie, else Accept-Language,
    # else LANGUAGE_CODE; after sessions, before common (its redirects are in that language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication, for the user's id: a request_id on every line the request logs.
    "trackii.logging.RequestLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An admin action on rows that are not ids: 400, not the changelist's 500.
    "trackii.security.AdminSelectionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "contacts.middleware.UserTimezoneMiddleware",
    # After authentication: a signed-in user's own language (their profile) overrides the
    # one LocaleMiddleware chose.
    "contacts.middleware.UserLanguageMiddleware",
    # allauth's: its sign-in stages, and the redirect to confirm one's identity that a
    # sensitive action asks for (trackii.security.sensitive_action).
    "allauth.account.middleware.AccountMiddleware",
    # The signed-in session's address, browser and last request, for the Security page
    # (trackii.user_sessions; at most one write a minute per session).
    "trackii.user_sessions.SessionActivityMiddleware",
    # After authentication and messages: a user whose role requires a second factor and who
    # has none reaches only the enrolment pages and sign-out (trackii.mfa_policy).
    "trackii.mfa_policy.MFAEnrolmentMiddleware",
    # After it (a second factor first, when the policy asks one): a user without a role
    # reaches only sign-out, enrolment, their password and the language (trackii.role_policy).
    "trackii.role_policy.NoRoleMiddleware",
    # After CSRF and authentication: keeps a POST that met an ended session (trackii.drafts).
    "trackii.drafts.DraftMiddleware",
    # Latency and status by view (trackii.metrics); outside axes, so a lockout counts as 429.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
                # LANGUAGE_CODE and LANGUAGE_BIDI for <html lang dir> (templates/base.html).
                "django.template.context_processors.i18n",
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
# django-prometheus's subclasses of the same backends count statements and connections
# (trackii.metrics); connection.vendor stays "sqlite" or "postgresql".
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])
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
    # Each process's own memory. On PostgreSQL the network-health figures alone keep 64
    # parts under each of four climate levels (about 7 KB each): more than the default 300
    # entries, which would drop them as fast as they are read.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# django-axes first: it refuses a locked-out username and address before any password check.
# Every authenticate() call must pass the request, or axes raises.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's officer profile with the user.
    "trackii.accounts.UserBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
# The interface's languages (issue 19): each user picks theirs (the switcher, /account/);
# guests get their contact's (contacts.languages.guest_language). Hebrew is right to left.
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("he", "עברית")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured("LANGUAGE_CODE is one of en, ru, he.")
# The catalogues: locale/ for templates/ and trackii/; contacts/, events/ and indicators/
# keep their own (found as apps' locale/ folders) with their templates' strings, so that
# areas are translated in parallel (manage.py update_catalogues routes each string).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's formats per language, with Track II's own on top (trackii/formats): the first day
# of the week is Monday in English and Russian, Sunday in Hebrew.
FORMAT_MODULE_PATH = ["trackii.formats"]
# No thousands separator in templates: {{ pk }} and years sit in URLs, ids and attributes;
# the figures that need grouping format themselves.
USE_THOUSAND_SEPARATOR = False
# The switcher's cookie (a choice made before signing in), sent like the session's.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
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

# allauth's sign-in page (/accounts/login/); /login/ redirects there.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "account_login"

# E-mail: printed to the console unless EMAIL_URL names a real server.
# email_url() returns EMAIL_BACKEND, EMAIL_HOST and friends as one dict.
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Track II <track-ii@localhost>")
# The app's own address, for the absolute links in e-mails (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Security headers and cookies. `check --deploy` is clean with DEBUG off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer's health check talks plain HTTP to gunicorn: answer it, do not redirect.
SECURE_REDIRECT_EXEMPT = [r"^health/(live|ready)$", r"^healthz$", r"^metrics$"]
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
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Idle timeout: requests push the expiry forward (trackii.idle_timeout: at most one write a
# minute), so only idleness ends a session.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
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

# The operator's health endpoints (trackii.views.health): /health/ready asks for
# `Authorization: Bearer <HEALTH_TOKEN>` when it is set; its disk check fails from this
# percentage of a file system used. Their rate per address is THROTTLE_RATE_HEALTH.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")
HEALTH_DISK_MAX_PERCENT = env.float("HEALTH_DISK_MAX_PERCENT", default=90.0)

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
# allauth's sign-in form posts the name as "login" and authenticates with "username": axes
# reads either (trackii.accounts.axes_username).
AXES_USERNAME_CALLABLE = "trackii.accounts.axes_username"

# Sign-in (django-allauth): by username and password, then the second factor if the user
# has one. Accounts are made by admins: no sign-up. Password reset by e-mail is on (a
# reset never skips the second factor: the user then signs in as usual).
ACCOUNT_ADAPTER = "trackii.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# A reset asked for an unknown address sends nothing (no mail to strangers).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# The links in allauth's e-mails (a password reset) use SITE_URL's scheme: https in production.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme or "https"
# The session keeps the idle timeout above (SESSION_COOKIE_AGE), with no "Remember me".
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A sensitive action (trackii.security.sensitive_action) asks to confirm one's identity
# again when the last confirmation (a sign-in, a second factor) is older than this: the
# second factor when the user has one, else the password.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_TIMEOUT", default=15 * 60)

MFA_ADAPTER = "trackii.accounts.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Track II"
# Never on: it turns off WebAuthn's origin check. Chromium and python-fido2 both accept
# http://localhost as a secure origin, which is all the tests and a local run need.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# WebAuthn's relying-party id: the site's host name (a domain, never an IP address;
# passkeys registered under it work on that host and its subdomains).
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="") or urlsplit(SITE_URL).hostname
# The roles whose users must have a second factor: sent to enrol at sign-in, they reach
# nothing else until they have one. Every role by default with DEBUG off; none with DEBUG
# on (development). Naming every role also covers a user who has none yet.
MFA_ROLES = ("officer", "planner", "lead", "analyst", "admin")
MFA_REQUIRED_ROLES = tuple(
    role.strip()
    for role in env.list("MFA_REQUIRED_ROLES", default=[] if DEBUG else list(MFA_ROLES))
    if role.strip()
)
if set(MFA_REQUIRED_ROLES) - set(MFA_ROLES):
    raise ImproperlyConfigured(
        "MFA_REQUIRED_ROLES names roles among " + ", ".join(MFA_ROLES) + ", comma-separated."
    )

# Single sign-on through an OpenID Connect identity provider (trackii.sso), off unless
# OIDC_ENABLED. The provider is allauth's openid_connect, configured here (no SocialApp row);
# its callback, to register at the identity provider, is SITE_URL + /accounts/oidc/sso/
# login/callback/. A user is matched by the e-mail the provider says it verified
# (email_verified); an unknown one is refused unless OIDC_AUTO_PROVISION (then created
# with no role). OIDC_AMR_SATISFIES_MFA lists the ID token's amr values that count as the
# second factor (e.g. "mfa,otp,hwk"); empty: none does, and Track II's own factor is asked.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_PROVIDER_ID = "sso"
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="Single sign-on")
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_AUTO_PROVISION = env.bool("OIDC_AUTO_PROVISION", default=False)
OIDC_AMR_SATISFIES_MFA = tuple(
    value.strip() for value in env.list("OIDC_AMR_SATISFIES_MFA", default=[]) if value.strip()
)
if OIDC_ENABLED and not (OIDC_SERVER_URL and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "OIDC_ENABLED needs OIDC_SERVER_URL (the issuer, whose /.well-known/openid-"
        "configuration is read), OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."
    )
if OIDC_ENABLED:
    # The sign-in page's form posts to Track II, which redirects to the provider: Chromium
    # holds that redirect to CSP's form-action too.
    _oidc_server = urlsplit(OIDC_SERVER_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        f"{_oidc_server.scheme}://{_oidc_server.netloc}"
    )
SOCIALACCOUNT_ADAPTER = "trackii.sso.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # PKCE on the authorization code, as OAuth 2.1 asks (Keycloak, Entra accept it).
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": OIDC_PROVIDER_NAME,
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ]
        if OIDC_ENABLED
        else [],
    }
}
# Matching by e-mail is trackii.sso's (verified by the provider, one active user): allauth's
# own would also wipe the password of a user whose address it has not verified itself.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# The provider's access and refresh tokens are not kept.
SOCIALACCOUNT_STORE_TOKENS = False
# allauth's client addresses (sessions, rate limits) as the rest of Track II sees them.
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES

# Sessions a user sees and ends (allauth.usersessions, trackii.user_sessions): each signed-in
# session's address, browser and last request, written at most once a minute per session.
USERSESSIONS_TRACK_ACTIVITY = True
# API tokens (trackii.tokens): each expires this many days after it was created.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)
if API_TOKEN_LIFETIME_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_LIFETIME_DAYS is a whole number of days, 1 or more.")

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
# The indicators' figures kept in the cache (indicators.cache): at most this many seconds,
# and never once a change or the time may have altered them; 0 keeps nothing.
INDICATOR_CACHE_SECONDS = env.int("INDICATOR_CACHE_SECONDS", default=86400)
# Imports of contacts and organizations (contacts.imports): the largest file and the most
# rows one upload may hold.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=25_000)
# Exports of the contacts list (contacts.exports): the most contacts one file holds; a
# longer list is refused, asking to narrow the filters.
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=10_000)

# Duplicates (contacts.duplicates), weighted rules as in CiviCRM: a pair scores the weight
# of each rule it meets (name: the folded names' token_set_ratio, skeleton: the consonant
# skeletons', each times that ratio when it is at least 85; email and phone equal; the same
# organization; the same birth year, half for one year apart, minus it for more), capped at
# 100; pairs at or above the threshold are offered. "name=60,email=45" overrides some.
_DUPLICATE_WEIGHTS = {
    "name": 60,
    "skeleton": 50,
    "email": 45,
    "phone": 45,
    "organization": 15,
    "birth_year": 20,
}
DUPLICATE_WEIGHTS = dict(_DUPLICATE_WEIGHTS)
for _rule, _, _weight in (
    item.partition("=") for item in env.list("DUPLICATE_WEIGHTS", default=[]) if item.strip()
):
    if _rule.strip() not in _DUPLICATE_WEIGHTS or not _weight.strip().isdigit():
        raise ImproperlyConfigured(
            "DUPLICATE_WEIGHTS is rule=weight, comma-separated, the rules being "
            + ", ".join(_DUPLICATE_WEIGHTS)
            + " and each weight a whole number (0 or more)."
        )
    DUPLICATE_WEIGHTS[_rule.strip()] = int(_weight)
DUPLICATE_THRESHOLD = env.int("DUPLICATE_THRESHOLD", default=60)
if not 0 <= DUPLICATE_THRESHOLD <= 100:
    raise ImproperlyConfigured("DUPLICATE_THRESHOLD is between 0 and 100.")
# A blocking key shared by more contacts than this (a common first name) pairs nobody: the
# nightly run reports how many such keys it skipped.
DUPLICATE_BLOCK_LIMIT = env.int("DUPLICATE_BLOCK_LIMIT", default=100)
# The region of phone numbers written without a country code (phonenumbers' region code).
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="IL").upper()

# Backups (trackii.backups): the database, compressed and encrypted with GnuPG to the public
# key in the file BACKUP_GPG_PUBLIC_KEY (unset: the nightly backup is skipped). Restoring
# needs the matching private key, kept by the operator, never on the server.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_GPG_PUBLIC_KEY = env.str("BACKUP_GPG_PUBLIC_KEY", default="")
BACKUP_GNUPG_HOME = env.str("BACKUP_GNUPG_HOME", default="")
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)


def _retention_days(name: str, default: int) -> int:
    """Days to keep rows of one kind; 0 (or an empty value) keeps them forever."""
    value = env.str(name, default=str(default)).strip() or "0"
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} is a whole number of days (0 keeps forever).")
    return int(value)


# Retention (trackii.retention): rows older than this many days are pruned nightly.
RETENTION_ACCESS_LOG_DAYS = _retention_days("RETENTION_ACCESS_LOG_DAYS", 730)
RETENTION_HISTORY_DAYS = _retention_days("RETENTION_HISTORY_DAYS", 730)
RETENTION_NOTIFICATIONS_DAYS = _retention_days("RETENTION_NOTIFICATIONS_DAYS", 180)
RETENTION_REMINDERS_DAYS = _retention_days("RETENTION_REMINDERS_DAYS", 365)
RETENTION_SIGNINS_DAYS = _retention_days("RETENTION_SIGNINS_DAYS", 90)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)
if RETENTION_BATCH_SIZE < 1:
    raise ImproperlyConfigured("RETENTION_BATCH_SIZE is at least 1.")

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
    "DEFAULT_PARSER_CLASSES": ["contacts.rest.JSONParser"],
    "DATETIME_FORMAT": "iso-8601",
    # Token first, so that a request without credentials is answered 401, not 403. Named,
    # expiring tokens stored as digests (trackii.tokens).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "trackii.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["trackii.role_policy.IsStaffMember"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_RATE_ANON", default="30/minute"),
        "user": env.str("THROTTLE_RATE_USER", default="600/minute"),
        "token": env.str("THROTTLE_RATE_TOKEN", default="10/minute"),
        # /health/live and /health/ready, per address (trackii.views.health).
        "health": env.str("THROTTLE_RATE_HEALTH", default="120/minute"),
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

# Prometheus metrics (trackii.metrics) at /metrics: off (404) until METRICS_TOKEN is set, then
# for `Authorization: Bearer <METRICS_TOKEN>` only. With PROMETHEUS_MULTIPROC_DIR (read by
# prometheus_client from the environment), the web workers and the Celery worker of a host
# share one folder of figures, which any web worker serves.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
PROMETHEUS_METRIC_NAMESPACE = "trackii"
# On a host with a Celery worker and no web app: the worker serves the host's figures on this
# port (0: off), behind METRICS_TOKEN, from the same PROMETHEUS_MULTIPROC_DIR.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)

# Logs: one JSON object a line (production's default) or a readable line for a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured("LOG_FORMAT is either json or console.")
# A request's request_id, user id and address travel with the Celery tasks it starts.
DJANGO_STRUCTLOG_CELERY_ENABLED = True

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
        },
        # structlog's renderers for every logger, personal data redacted (trackii.logging).
        "json": {"()": "trackii.logging.json_formatter"},
        "console": {"()": "trackii.logging.console_formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_url_tokens"],
        },
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

# structlog's events go through the handlers above (trackii.logging.configure_structlog).
configure_structlog()
