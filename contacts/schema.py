"""OpenAPI schema generation for REST API v1 (drf-spectacular).

Separate from contacts.rest: drf-spectacular reads DRF's settings on import, and those name
contacts.rest, so importing it from there would be circular.
"""

from drf_spectacular import openapi
from rest_framework import serializers


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
