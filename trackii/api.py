"""REST API v1: the router over both apps' viewsets, and authentication (a token for a
username and password, and its revocation)."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from contacts import api as contacts_api
from contacts.schema import write_example
from events import api as events_api
from indicators import api as indicators_api

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
router.register("signals", indicators_api.SignalViewSet, basename="signal")
router.register("indicators", indicators_api.IndicatorViewSet, basename="indicator")
