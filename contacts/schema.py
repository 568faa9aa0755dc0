"""OpenAPI schema generation for REST API v1 (drf-spectacular).

Separate from contacts.rest: drf-spectacular reads DRF's settings on import, and those name
contacts.rest, so importing it from there would be circular.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers


def write_example(
    name: str, value: dict, *, description: str = "", media_type: str | None = None
) -> OpenApiExample:
    """A request body example for a write operation (``request_only``: never shown as a
    response)."""
    return OpenApiExample(
        name, value=value, description=description, request_only=True, media_type=media_type
    )


def write_examples(*, create: list, update: list, partial_update: list):
    """A class decorator: request examples for a viewset's POST, PUT and PATCH."""
    return extend_schema_view(
        create=extend_schema(examples=create),
        update=extend_schema(examples=update),
        partial_update=extend_schema(examples=partial_update),
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField())


class AutoSchema(openapi.AutoSchema):
    """Documents the error answers every operation can give, with the one error shape."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = ["401", "403", "429"]
        if method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes.append("400")
        if "{" in self.path:
            codes.append("404")
        if method in ("PUT", "PATCH", "DELETE"):
            codes.append("412")
        if method in ("POST", "PUT", "PATCH"):
            codes.append("413")
        for code in codes:
            responses.setdefault(
                code, self._get_response_for_code(ErrorSerializer, code, direction=direction)
            )
        return responses
