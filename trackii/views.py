"""Project-level pages: the health check, Today, and network health (they read both apps)."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def healthz(request):
    """Answer 200 when the database answers, for load balancers and the run script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def today(request):
    return render(request, "trackii/today.html", {})


@login_required
def network_health(request):
    return render(request, "trackii/network_health.html", {})
