"""gunicorn's settings for Track II, read from the working directory (or ``-c gunicorn.conf.py``).

RSVP links (``/rsvp/<token>/``) and calendar feeds (``/calendar/<token>.ics``) carry their only
credential in the URL: this logger writes ``[redacted]`` in its place in the access log (request
line, path, referer, any header or environ atom of ``access_log_format``) and the error log.
"""

logger_class = "trackii.logging.GunicornLogger"
