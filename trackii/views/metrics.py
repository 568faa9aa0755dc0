"""``/metrics``: Prometheus's scrape of Track II (trackii.metrics), for the operator only.

Off, a 404, while ``METRICS_TOKEN`` is unset, DEBUG or not. Once it is set, a scrape sends
``Authorization: Bearer <METRICS_TOKEN>`` (compared in constant time); without it the
answer is a 401 and no figure.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from trackii.metrics import bearer_matches, scrape_registry


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics of this host's processes, in Prometheus's text format."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off: METRICS_TOKEN is not set.")
    if not bearer_matches(request.headers.get("Authorization", ""), token):
        response = HttpResponse(
            "A bearer token is required.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
