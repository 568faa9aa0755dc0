"""gunicorn's settings for Track II, read from the working directory (or ``-c gunicorn.conf.py``).

RSVP links (``/rsvp/<token>/``) and calendar feeds (``/calendar/<token>.ics``) carry their only
credential in the URL: this logger writes ``[redacted]`` in its place in the access log (request
line, path, referer, any header or environ atom of ``access_log_format``) and the error log.
A worker that exits is marked dead for prometheus_client's multiprocess mode (trackii.metrics).
"""

logger_class = "trackii.logging.GunicornLogger"


def child_exit(server, worker):
    """prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR): a worker that exits
    leaves its counters to the sum, and its live gauges go with it."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
