"""URLs of the REST API benchmark (benchmarks/api.py): the project's, plus the floor.

The floor is the least a plain Django view must do to answer the same question as
``GET /api/v1/contacts/`` (with ``?search=``, through the same search) and
``GET /api/v1/contacts/{id}/``: find the caller from the
same token, read the same rows through the same ``visible_to`` filter, in the same order
and page size, with ``.values()`` for the same fields (tags by one more query, as the API's
prefetch), and write them as JSON with the same count and links. No DRF, no serializer,
no filter backends, no ETag, no access log.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Window
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from contacts.models import Contact
from contacts.serializers import ContactSerializer
from trackii.models import ApiToken
from trackii.tokens import digest
from trackii.urls import urlpatterns as project_urlpatterns

# The fields of contacts.serializers.ContactSerializer, tags apart (added from their table).
FIELDS = tuple(name for name in ContactSerializer.Meta.fields if name != "tags")
PAGE_SIZE = 50


def _json(data, status: int = 200) -> HttpResponse:
    # As DRF's JSONRenderer writes it: compact, UTF-8.
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, content_type="application/json", status=status)


def _caller(request):
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Token" or not key:
        return None
    # As trackii.tokens.ExpiringTokenAuthentication: by the key's digest, unexpired.
    token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
    if token is None or token.expires_at <= timezone.now() or not token.user.is_active:
        return None
    return token.user


def _with_tags(rows: list[dict]) -> list[dict]:
    names: dict[int, list[str]] = {}
    links = Contact.tags.through.objects.filter(contact_id__in=[row["id"] for row in rows])
    for contact_id, name in links.values_list("contact_id", "tag__name"):
        names.setdefault(contact_id, []).append(name)
    for row in rows:
        row["tags"] = sorted(names.get(row["id"], []))
    return rows


def contact_list(request):
    user = _caller(request)
    if user is None:
        return _json({"detail": "Authentication credentials were not provided."}, 401)
    page = int(request.GET.get("page", "1"))
    size = int(request.GET.get("page_size", PAGE_SIZE))
    contacts = Contact.objects.visible_to(user)
    for term in request.GET.get("search", "").split():
        # The same search as the API's: each word through the list's search (the names in
        # every script and their keys, the organization) and the e-mail address.
        contacts = contacts.search(term, emails=True)
    contacts = contacts.order_by("full_name", "id")
    start = (page - 1) * size
    if request.GET.get("search"):
        # A search's page and its count in one statement, as the API reads them.
        counted = contacts.annotate(rows_in_all=Window(Count("*")))
        rows = list(counted.values(*FIELDS, "rows_in_all")[start : start + size])
        count = rows[0].pop("rows_in_all") if rows else contacts.count()
        for row in rows[1:]:
            del row["rows_in_all"]
    else:
        count = contacts.count()
        rows = list(contacts.values(*FIELDS)[start : start + size])
    rows = _with_tags(rows)
    query = request.GET.copy()

    def link(number: int) -> str:
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return _json(
        {
            "count": count,
            "next": link(page + 1) if start + size < count else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": rows,
        }
    )


def contact_detail(request, pk: int):
    user = _caller(request)
    if user is None:
        return _json({"detail": "Authentication credentials were not provided."}, 401)
    rows = list(Contact.objects.visible_to(user).filter(pk=pk).values(*FIELDS))
    if not rows:
        return _json({"detail": "Not found."}, 404)
    return _json(_with_tags(rows)[0])


urlpatterns = [
    path("bench/floor/contacts/", contact_list),
    path("bench/floor/contacts/<int:pk>/", contact_detail),
    *project_urlpatterns,
]
