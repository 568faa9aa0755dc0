"""Logs that never hold a URL's secret: an RSVP link (``/rsvp/<token>/``) and a calendar feed
(``/calendar/<token>.ics``) carry their only credential in the path.

``RedactUrlTokens`` rewrites a record of Django's request and server loggers (settings.LOGGING);
``GunicornLogger`` (gunicorn.conf.py) redacts every value of gunicorn's access log line and
every message of its error log.

Structured logs (structlog, django-structlog): one JSON object a line in production, or a
readable console line (``LOG_FORMAT``). ``redact_personal_data`` masks, in every event of
structlog and of the standard library's loggers alike, the values of keys that name a person,
an address or a credential, and in free text the e-mail addresses, URL tokens, query-string
values and ``Token``/``Bearer`` credentials. ``RequestLogMiddleware`` gives each request a
``request_id`` that its log lines carry, and so do the Celery tasks it starts.
"""

import logging
import re
from collections.abc import Mapping

import structlog
from django.core.signals import request_finished
from django_structlog.middlewares import RequestMiddleware
from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# The token runs to the next separator; a referer or an error message may hold the URL
# anywhere in its text, quoted or not.
URL_TOKENS = re.compile(
    r"(?P<rsvp>/rsvp/)[^/?#\s\"'<>]+"
    r"|(?P<feed>/calendar/)[^/?#\s\"'<>]+?(?P<ics>\.ics)(?=[/?#\s\"'<>]|$)"
)


def redact_url_tokens(text: str) -> str:
    """``text`` with each RSVP and calendar-feed token replaced by ``[redacted]``."""
    return URL_TOKENS.sub(_replacement, text)


def _replacement(match: re.Match) -> str:
    if match["rsvp"]:
        return f"{match['rsvp']}{REDACTED}"
    return f"{match['feed']}{REDACTED}{match['ics']}"


class RedactUrlTokens(logging.Filter):
    """Rewrite a record's message (arguments merged in) and traceback without URL tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            # A structlog event on its way to ProcessorFormatter, redacted already by
            # redact_personal_data: rewriting it as text would break its formatting.
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # A malformed record: the handler reports it as it would have.
        redacted = redact_url_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_url_tokens(record.exc_text)
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx answer (a 403 for a missing permission, a 404) is a client's error, not a fault:
    Django's request logger writes it as one line, without the exception's traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int) and 400 <= status_code < 500:
            record.exc_info, record.exc_text = None, None
        return True


class GunicornLogger(Logger):
    """gunicorn's logger with every access-log atom (request line, path, referer, headers,
    environ) and every error-log message redacted, whatever ``access_log_format`` says."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactUrlTokens) for f in log.filters):
                log.addFilter(RedactUrlTokens())

    def atoms(self, resp, req, environ, request_time):
        return {
            name: redact_url_tokens(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }


# Structured logs

# Keys whose values name a person, reach one, or are a credential, whatever they hold.
SENSITIVE_KEY = re.compile(
    r"name|mail|note|token|password|passwd|secret|authorization|cookie|session|phone"
    r"|credential|subject|body|address",
    re.IGNORECASE,
)
SENSITIVE_KEYS = {"to", "cc", "bcc", "recipient", "recipients", "guest", "contact", "contacts"}
SENSITIVE_KEYS |= {"q", "query", "search", "term"}
# What the logs are made of: kept, only their text is scrubbed (django-structlog's keys, the
# request line, the operator's IP address, the task's name and ids).
STRUCTURAL_KEYS = {
    "event",
    "level",
    "logger",
    "timestamp",
    "request_id",
    "correlation_id",
    "user_id",
    "ip",
    "task_id",
    "parent_task_id",
    "task",
    "child_task_id",
    "child_task_name",
    "routing_key",
    "code",
    "request",
    "user_agent",
    "duration_ms",
    "exception",
    "error",
}
EMAIL_ADDRESS = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
QUERY_VALUE = re.compile(r"(?P<name>[?&][^=&#\s\"'<>]+=)[^&#\s\"'<>]*")
CREDENTIAL = re.compile(r"(?P<scheme>\b(?:Token|Bearer|Basic)\s+)[\w.~+/=:-]{8,}", re.IGNORECASE)


def redact_text(text: str) -> str:
    """``text`` without e-mail addresses, RSVP and feed tokens, query-string values (a
    search for a name) or ``Token``/``Bearer``/``Basic`` credentials."""
    text = redact_url_tokens(text)
    text = EMAIL_ADDRESS.sub("[email]", text)
    text = QUERY_VALUE.sub(rf"\g<name>{REDACTED}", text)
    return CREDENTIAL.sub(rf"\g<scheme>{REDACTED}", text)


def _is_sensitive(key) -> bool:
    key = str(key).lower()
    if key in STRUCTURAL_KEYS:
        return False
    return key in SENSITIVE_KEYS or bool(SENSITIVE_KEY.search(key))


def _redact(value):
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _is_sensitive(key) else _redact(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [_redact(item) for item in value]
    return value


def redact_personal_data(logger, method_name: str, event_dict: dict) -> dict:
    """A structlog processor: the event with every sensitive key's value replaced by
    ``[redacted]`` and every other text scrubbed by ``redact_text`` (structlog's private
    keys, such as the standard library's record, are left alone)."""
    redacted = {}
    for key, value in event_dict.items():
        if key.startswith("_"):
            redacted[key] = value
        else:
            redacted[key] = REDACTED if _is_sensitive(key) else _redact(value)
    return redacted


# Both kinds of event (structlog's and the standard library's) get these before rendering.
SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_structlog() -> None:
    """structlog hands its events to the standard library's logging (settings.LOGGING), so
    that one handler and one format serve both; redacted before any handler sees them."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_personal_data,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _formatter(renderer) -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_personal_data,
            renderer,
        ],
    )


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    """One JSON object a line (``LOG_FORMAT=json``), non-ASCII text kept as it is."""
    return _formatter(structlog.processors.JSONRenderer(ensure_ascii=False))


def console_formatter() -> structlog.stdlib.ProcessorFormatter:
    """A readable line for a terminal (``LOG_FORMAT=console``)."""
    return _formatter(render_console_line)


def render_console_line(logger, method_name: str, event_dict: dict) -> str:
    """``time LEVEL logger key=value ...: event``, then the traceback if any: the event last,
    as in Celery's and Django's own formats, so that a line still ends with its message."""
    fields = dict(event_dict)
    timestamp = fields.pop("timestamp", "")
    level = str(fields.pop("level", method_name)).upper()
    name = fields.pop("logger", "")
    event = fields.pop("event", "")
    details = [fields.pop(key) for key in ("stack", "exception") if key in fields]
    context = "".join(f" {key}={value}" for key, value in fields.items())
    return "\n".join([f"{timestamp} {level:<7} {name}{context}: {event}", *details])


class RequestLogMiddleware(RequestMiddleware):
    """django-structlog's request logging: a ``request_id`` for every line a request logs
    (and for the Celery tasks it starts), ``request_started`` and ``request_finished``.

    The address logged is the one the throttles and the lockout use (``NUM_PROXIES``), not
    whatever a client writes in ``X-Forwarded-For``. The request's context stays bound until
    its response is closed (Django's ``request_finished`` signal), not only until this
    middleware returns: Django logs an answer of 400 or more ("Not Found: ...") after every
    middleware has returned, and that line carries the ``request_id`` too."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        request_finished.connect(_forget_request, dispatch_uid="trackii.logging.forget_request")

    @classmethod
    def bind_ip(cls, request) -> None:
        # Imported here: trackii.security reads DRF's settings, which settings.LOGGING's
        # loading must not.
        from trackii.security import client_ip_address

        structlog.contextvars.bind_contextvars(ip=client_ip_address(request))

    def handle_response(self, request, response) -> None:
        self.bind_user_id(request)  # a user signed in by the view (an API token) included
        context = structlog.contextvars.get_contextvars()
        super().handle_response(request, response)  # logs request_finished, clears
        structlog.contextvars.bind_contextvars(**context)


def _forget_request(**kwargs) -> None:
    structlog.contextvars.clear_contextvars()
