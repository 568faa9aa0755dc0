"""The operator's endpoints: ``/health/live`` (the process answers) and ``/health/ready`` (its
dependencies, a worker and the periodic tasks' heartbeats; 503 naming what fails).

Both are throttled per address and name no contact, no host and no exception text.
``/health/ready`` asks for ``Authorization: Bearer <HEALTH_TOKEN>`` when that is set.
"""

import asyncio
import hmac

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from trackii import health


class HealthRateThrottle(SimpleRateThrottle):
    """Requests to the health endpoints per client address (``THROTTLE_RATE_HEALTH``)."""

    scope = "health"

    def get_rate(self):
        # Read on each request, not at import, so that a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _throttled(request: HttpRequest) -> JsonResponse | None:
    """A 429 when the address has used up its rate; None otherwise, and also when the cache
    that counts is down: saying so is the readiness check's job, not a reason to go blind."""
    throttle = HealthRateThrottle()
    try:
        if throttle.allow_request(request, None):
            return None
    except (RedisError, OSError):
        return None
    response = JsonResponse({"status": "throttled"}, status=429)
    response["Retry-After"] = str(max(1, round(throttle.wait() or 1)))
    return response


def _authorized(request: HttpRequest) -> bool:
    """True without HEALTH_TOKEN; else the request carries it as a Bearer token."""
    token = settings.HEALTH_TOKEN
    if not token:
        return True
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@never_cache
@require_safe
def live(request):
    """200 while this process answers requests; it touches no database."""
    return _throttled(request) or JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    """200 when every check of the scope passes, else 503 naming the failing ones."""
    if throttled := _throttled(request):
        return throttled
    if not _authorized(request):
        response = JsonResponse({"status": "unauthorized"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="health"'
        return response
    scope = request.GET.get("scope", health.SCOPE_ALL)
    if scope not in health.SCOPES:
        return JsonResponse(
            {"status": "bad request", "scope": f"One of {', '.join(health.SCOPES)}."}, status=400
        )
    checks = health.readiness_checks(scope=scope)
    results = async_to_sync(_run)(list(checks.values()))
    report = {
        name: "ok" if result.error is None else health.describe(result.error)
        for name, result in zip(checks, results, strict=True)
    }
    failing = [name for name, outcome in report.items() if outcome != "ok"]
    return JsonResponse(
        {"status": "unavailable" if failing else "ok", "failing": failing, "checks": report},
        status=503 if failing else 200,
    )


async def _run(checks):
    """Run the checks at once, each within its own timeout (django-health-check)."""
    return await asyncio.gather(*(check.get_result() for check in checks))
