"""The API's schema, generated once per process for each kind of reader.

Generating and rendering the OpenAPI document takes most of a second, and nothing in it
depends on the stored data: only on the code, the settings, the language, the API version,
the format asked for and the reader's roles (private notes are documented for those who
read them, ``contacts.serializers``). So the rendered document is kept per such key, in
process memory, and dropped whenever a setting changes (tests); a deployment starts new
processes with the new code."""

from __future__ import annotations

import threading

from django.core.signals import setting_changed
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView

from contacts.access import roles_of

MAX_KEPT = 64
_kept: dict[tuple, tuple[bytes, dict[str, str]]] = {}
_lock = threading.Lock()


def _forget(**kwargs) -> None:
    with _lock:
        _kept.clear()


setting_changed.connect(_forget, dispatch_uid="trackii.api_schema.forget")


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, answering from the document kept for the request's key."""

    def _key(self, request) -> tuple:
        user = request.user
        return (
            request.accepted_media_type,
            self.api_version or request.version,
            request.GET.get("version"),
            request.GET.get("lang"),
            translation.get_language(),
            bool(user.is_superuser),
            roles_of(user),
        )

    @extend_schema(**SCHEMA_KWARGS)  # as drf-spectacular's own view: left out of the schema
    def get(self, request, *args, **kwargs):
        kept = _kept.get(self._key(request))
        if kept is None:
            return super().get(request, *args, **kwargs)
        content, headers = kept
        return HttpResponse(content, headers=headers)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A document just generated (a DRF Response), not one answered from memory.
        if response.status_code == 200 and hasattr(response, "accepted_renderer"):
            response.render()
            headers = {name: response[name] for name in ("Content-Type", "Content-Disposition")}
            with _lock:
                if len(_kept) >= MAX_KEPT:
                    _kept.clear()
                _kept[self._key(request)] = (response.content, headers)
        return response
