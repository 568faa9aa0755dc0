"""REST API v1: the router over both apps' viewsets, and authentication (a token for a
username and password, and its revocation)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from contacts import api as contacts_api
from contacts.access import NETWORK_READERS, has_any_role
from contacts.schema import write_example
from events import api as events_api
from trackii import indicators
from trackii import serializers as trackii_serializers

# The token endpoint also takes form bodies (DRF's ObtainAuthToken): one example for each.
TOKEN_EXAMPLES = [
    write_example(
        "Username and password",
        {"username": "a.levi", "password": "correct-horse-battery-staple"},
        media_type=media_type,
    )
    for media_type in (parser.media_type for parser in ObtainAuthToken.parser_classes)
]


@extend_schema_view(post=extend_schema(examples=TOKEN_EXAMPLES))
class ObtainTokenView(ObtainAuthToken):
    """Return the caller's token (created on first use) for a valid username and password."""

    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_serializer_context(self):
        # authenticate() must see Django's HttpRequest, not DRF's wrapper: django-axes marks
        # a lockout on the request it is given, and its middleware reads the HttpRequest.
        return {**super().get_serializer_context(), "request": self.request._request}


class RevokeTokenView(APIView):
    """Delete the token that authenticates this request; the next use of it is refused."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={status.HTTP_204_NO_CONTENT: None})
    def post(self, request):
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReadsIndicators(permissions.BasePermission):
    """Leads, analysts and admins read the indicators."""

    def has_permission(self, request, view):
        return has_any_role(request.user, NETWORK_READERS)


INDICATOR_NAME = OpenApiParameter(
    "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(indicators.REGISTRY)
)


class IndicatorViewSet(viewsets.ViewSet):
    """The strategy's indicators over a window, for leads, analysts and admins. Counts go
    through visible_to: a contact the caller may not see changes no figure."""

    permission_classes = [IsAuthenticated, ReadsIndicators]
    lookup_field = "name"
    lookup_value_regex = "[a-z_]+"

    @extend_schema(
        parameters=[trackii_serializers.IndicatorFilterSerializer],
        responses={
            200: trackii_serializers.IndicatorListSerializer,
            400: OpenApiResponse(description="Invalid filters"),
        },
    )
    def list(self, request):
        """Every indicator for the filters."""
        results = indicators.compute_all(request.user, **self._filters(request))
        return Response(
            {
                "count": len(results),
                "next": None,
                "previous": None,
                "results": trackii_serializers.IndicatorSerializer(results, many=True).data,
            }
        )

    @extend_schema(
        parameters=[INDICATOR_NAME, trackii_serializers.IndicatorFilterSerializer],
        responses={
            200: trackii_serializers.IndicatorSerializer,
            400: OpenApiResponse(description="Invalid filters"),
            404: OpenApiResponse(description="No indicator of this name"),
        },
    )
    def retrieve(self, request, name=None):
        """One indicator: its series, total and change against the window before."""
        if name not in indicators.REGISTRY:
            raise NotFound("No indicator of this name.")
        result = indicators.compute(name, request.user, **self._filters(request))
        return Response(trackii_serializers.IndicatorSerializer(result).data)

    def _filters(self, request) -> dict:
        now = timezone.now()
        query = trackii_serializers.IndicatorFilterSerializer(
            data=request.query_params, context={"today": indicators.mission_today(now)}
        )
        query.is_valid(raise_exception=True)
        return {**query.validated_data, "now": now}


class Router(DefaultRouter):
    include_root_view = False


router = Router(trailing_slash=True)
router.register("organizations", contacts_api.OrganizationViewSet, basename="organization")
router.register("contacts", contacts_api.ContactViewSet, basename="contact")
router.register("channels", contacts_api.ChannelViewSet, basename="channel")
router.register("exchanges", contacts_api.ExchangeViewSet, basename="exchange")
router.register("reminders", contacts_api.ReminderViewSet, basename="reminder")
router.register("climate", contacts_api.ClimateViewSet, basename="climate")
router.register("events", events_api.EventViewSet, basename="event")
router.register("invitations", events_api.InvitationViewSet, basename="invitation")
router.register("programmes", events_api.ProgrammeViewSet, basename="programme")
router.register("signals", contacts_api.SignalViewSet, basename="signal")
router.register("indicators", IndicatorViewSet, basename="indicator")
