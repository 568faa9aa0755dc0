"""Logs that never hold a URL's secret: an RSVP link (``/rsvp/<token>/``) and a calendar feed
(``/calendar/<token>.ics``) carry their only credential in the path.

``RedactUrlTokens`` rewrites a record of Django's request and server loggers (settings.LOGGING);
``GunicornLogger`` (gunicorn.conf.py) redacts every value of gunicorn's access log line and
every message of its error log.
"""

import logging
import re

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
