"""REST API v1: the router over both apps' viewsets, and authentication (a named, expiring
token for a username, a password and, when the user has or needs one, the second factor;
and its revocation). Tokens themselves: trackii.tokens."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import parsers, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from contacts import api as contacts_api
from contacts import duplicate_api, rest
from contacts.imports import api as imports_api
from contacts.schema import write_example
from events import api as events_api
from indicators import api as indicators_api
from trackii import role_policy, tokens

TOKEN_PARSERS = (parsers.FormParser, parsers.MultiPartParser, rest.JSONParser)
# The token endpoint also takes form bodies: one example for each.
TOKEN_EXAMPLES = [
    write_example(
        "Username, password and second factor",
        {
            "username": "a.levi",
            "password": "correct-horse-battery-staple",
            "otp": "123456",
            "name": "Newsroom sync",
        },
        media_type=media_type,
    )
    for media_type in (parser.media_type for parser in TOKEN_PARSERS)
]
CREDENTIALS_REFUSED = "Unable to log in with provided credentials."
OTP_REQUIRED = (
    "Your account has a second factor (or your role requires one): send a code from your "
    "authenticator app, or a recovery code, as otp."
)
OTP_ENROL_FIRST = (
    "Your role requires a second factor: add one on the web (Sign-in security) before "
    "creating a token."
)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(write_only=True)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    otp = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="A code of the user's authenticator app, or one of their recovery codes. "
        "Required when the user has a second factor or their role requires one.",
    )
    name = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=f'What the token is for (default "{tokens.DEFAULT_NAME}").',
    )

    def validate(self, attrs):
        request = self.context["request"]
        # Django's HttpRequest, not DRF's wrapper: django-axes marks a lockout on the request
        # it is given, and its middleware reads the HttpRequest.
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(CREDENTIALS_REFUSED, code="authorization")
        if tokens.second_factor_needed(user):
            from trackii.mfa_policy import has_second_factor

            if not has_second_factor(user):
                raise serializers.ValidationError({"otp": [OTP_ENROL_FIRST]}, code="required")
            code = (attrs.get("otp") or "").strip()
            if not code:
                raise serializers.ValidationError({"otp": [OTP_REQUIRED]}, code="required")
            error = tokens.second_factor_error(user, code)
            if error is not None:
                # A wrong code counts towards the lockout like a wrong password.
                AxesProxyHandler.user_login_failed(
                    sender=type(self), credentials={"username": attrs["username"]}, request=request
                )
                raise serializers.ValidationError({"otp": [error]}, code="invalid")
        attrs["user"] = user
        return attrs


TOKEN_RESPONSE = inline_serializer(
    "IssuedToken",
    {
        "token": serializers.CharField(help_text="The key: shown this once, never again."),
        "name": serializers.CharField(),
        "expires_at": serializers.DateTimeField(),
    },
)


@extend_schema_view(
    post=extend_schema(
        request=TokenRequestSerializer, responses={200: TOKEN_RESPONSE}, examples=TOKEN_EXAMPLES
    )
)
class ObtainTokenView(APIView):
    """Create a token for a valid username and password, plus the second factor (``otp``)
    when the user has one or their role requires one. Each call creates a new token, named
    and expiring after API_TOKEN_LIFETIME_DAYS; the key is in this answer only."""

    authentication_classes = []
    permission_classes = []
    parser_classes = TOKEN_PARSERS
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request):
        serializer = TokenRequestSerializer(
            data=request.data, context={"request": request._request}
        )
        serializer.is_valid(raise_exception=True)
        if not tokens.may_hold_token(serializer.validated_data["user"]):
            raise role_policy.NoRole()  # said as every refusal of such an account is
        issued = tokens.create_token(
            serializer.validated_data["user"],
            name=serializer.validated_data.get("name", ""),
            request=request._request,
            via="api",
        )
        return Response(
            {
                "token": issued.key,
                "name": issued.token.name,
                "expires_at": issued.token.expires_at,
            }
        )


class RevokeTokenView(APIView):
    """Delete the token that authenticates this request; the next use of it is refused."""

    authentication_classes = [tokens.ExpiringTokenAuthentication]
    # Its own token's user, even one whose roles were taken away since (every other view
    # asks trackii.role_policy.IsStaffMember).
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={status.HTTP_204_NO_CONTENT: None})
    def post(self, request):
        tokens.revoke_token(request.auth, request=request._request, reason="revoked_by_api")
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
router.register("imports", imports_api.ImportBatchViewSet, basename="import")
router.register("merges", duplicate_api.ContactMergeViewSet, basename="merge")
router.register("duplicates", duplicate_api.DuplicatePairViewSet, basename="duplicate")
router.register("events", events_api.EventViewSet, basename="event")
router.register("invitations", events_api.InvitationViewSet, basename="invitation")
router.register("programmes", events_api.ProgrammeViewSet, basename="programme")
router.register("signals", indicators_api.SignalViewSet, basename="signal")
router.register("indicators", indicators_api.IndicatorViewSet, basename="indicator")
