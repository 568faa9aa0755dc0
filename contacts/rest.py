"""What every REST API v1 view shares: one error shape, optimistic concurrency (ETag and
If-Match), pagination with a hard maximum, and role permissions.

It lives in ``contacts`` (the base app) so that ``events`` can use it too; ``trackii``
wires the router.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator as DjangoPaginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, pagination, parsers, permissions, status
from rest_framework.views import exception_handler as drf_exception_handler

from contacts.access import has_any_role
from contacts.deletion import StillInUse
from contacts.errors import DomainError
from contacts.paging import CountedPaginator
from contacts.querysets import SEARCHED
from trackii.role_policy import IsStaffMember

MAX_PAGE_SIZE = 200


# JSON bodies


class JSONParser(parsers.JSONParser):
    """DRF's, refusing a string with a lone surrogate (``"\\ud800"`` is valid JSON, but no
    text: it can be neither stored nor written back in an answer, which would fail with a
    500 when an error message quotes it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:  # "[[[[…" deeper than the decoder goes
            raise exceptions.ParseError(gettext("The JSON is nested too deeply.")) from error
        if not _is_text(data):
            raise exceptions.ParseError(
                gettext("A string holds a lone surrogate (\\ud800 to \\udfff), which is not text.")
            )
        return data


def _is_text(data) -> bool:
    """Whether every string in ``data`` (parsed JSON: its keys too) encodes as UTF-8; walked
    without recursion, however deep the decoder went."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return False
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return True


# One error shape for 400/401/403/404/405/409/412/429


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The resource changed since you read it (stale If-Match).")
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the resource.")
    default_code = "conflict"


def exception_handler(exc, context):
    """Answer every API error as ``{"status", "code", "detail", "fields"}``."""
    if isinstance(exc, StillInUse):
        exc = Conflict(exc.message, code="in_use")
    elif isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        exc = exceptions.ValidationError(fields or {"non_field_errors": [exc.message]})
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.ParseError):
        # DRF's parsers' texts are not marked for translation: ours, with theirs inside.
        exc = exceptions.ParseError(
            gettext("The request body cannot be read (%(error)s).") % {"error": exc.detail}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _error_body(exc, response.status_code)
    return response


def _error_body(exc, status_code: int) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return {
            "status": status_code,
            "code": "invalid",
            "detail": gettext("The request has invalid fields."),
            "fields": fields,
        }
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    return {
        "status": status_code,
        "code": codes if isinstance(codes, str) else "error",
        "detail": str(exc.detail) if hasattr(exc, "detail") else str(exc),
        "fields": {},
    }


# Optimistic concurrency


def etag_of(data) -> str:
    """A strong ETag over the representation a client read."""
    text = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


class ETagMixin:
    """ETag on every detail response; If-Match on PUT/PATCH/DELETE answers 412 when stale.
    The row is locked while it is compared and written, so two editors cannot both win."""

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_of(response.data)
        return response

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            self._check_if_match(request)
            response = super().update(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            response["ETag"] = etag_of(response.data)
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self._check_if_match(request)
            return super().destroy(request, *args, **kwargs)

    def _check_if_match(self, request) -> None:
        expected = request.headers.get("If-Match")
        if not expected:
            return
        instance = self.get_object()
        type(instance)._default_manager.select_for_update().filter(pk=instance.pk).exists()
        current = etag_of(self.get_serializer(instance).data)
        offered = {tag.strip().removeprefix("W/") for tag in expected.split(",")}
        if "*" not in offered and current not in offered:
            raise PreconditionFailed()

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED:
            response["ETag"] = etag_of(response.data)
        return response


# Pagination


def _page_size(request, default: int) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise exceptions.ValidationError({"page_size": [gettext("A whole number.")]}) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError(
            {"page_size": [gettext("Between 1 and %(most)s.") % {"most": MAX_PAGE_SIZE}]}
        ) from None
    return size


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most MAX_PAGE_SIZE; more is a 400).

    A page of a search (``ContactQuerySet.search``) is read with its count in one statement
    (``contacts.paging.CountedPaginator``): the database sorts the page from every match
    anyway, and a separate ``COUNT`` would find them all a second time (a common surname
    at 100,000 contacts: 12 to 25 ms each). Other lists keep the separate count, which an
    index answers without sorting anything."""

    def paginate_queryset(self, queryset, request, view=None):
        query = getattr(queryset, "query", None)
        searched = query is not None and SEARCHED in query.annotations
        self.django_paginator_class = CountedPaginator if searched else DjangoPaginator
        return super().paginate_queryset(queryset, request, view)

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return _page_size(request, self.page_size)


class CursorPagination(pagination.CursorPagination):
    """Stable pages over lists that grow while a client reads them (exchanges, reminders)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return _page_size(request, self.page_size)


class ExchangeCursorPagination(CursorPagination):
    ordering = ("-occurred_at", "-id")


class ReminderCursorPagination(CursorPagination):
    ordering = ("due_at", "id")


# Permissions


def is_read(request) -> bool:
    return request.method in permissions.SAFE_METHODS


class ReadOrRoles(permissions.BasePermission):
    """Everyone signed in reads (through visible_to); writes need one of ``write_roles``
    on the view. Analysts only ever read."""

    def has_permission(self, request, view):
        user = request.user
        if not IsStaffMember().has_permission(request, view):
            return False
        if is_read(request):
            return True
        return has_any_role(user, getattr(view, "write_roles", ()))


# Ordering


class StableOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` with ``id`` always last, so that pages never repeat or skip a row."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering = [*ordering, "id"]
        return ordering
