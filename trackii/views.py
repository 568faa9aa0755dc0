"""Project-level views."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Answer 200 when the database answers, for load balancers and the run script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
