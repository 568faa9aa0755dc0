"""REST API of the indicators app: signals (CRUD) and the indicators (read)."""

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from contacts.access import EDITORS, NETWORK_READERS, has_any_role
from contacts.rest import ReadOrRoles
from contacts.schema import write_example, write_examples
from contacts.viewsets import ModelViewSet
from indicators import cache as figure_cache
from indicators import filters, measures
from indicators import serializers as indicator_serializers
from indicators.models import Signal
from trackii.role_policy import IsStaffMember

SIGNAL_COVERAGE = {
    "kind": "coverage",
    "occurred_on": "2025-05-20",
    "organization": 12,
    "title": "Weekly column on the joint water-technology programme",
    "language": "ru",
    "tone": 1,
    "theme": "innovation",
    "link": "https://news.example.ru/2025/05/20/water-technology",
    "note": "Quotes two of our programme participants by name.",
}


@write_examples(
    create=[
        write_example(
            "Media coverage",
            SIGNAL_COVERAGE,
            description="Names a media_outlet organization and a tone; layer defaults to "
            "narrative and country to the outlet's.",
        ),
        write_example(
            "Digital reach",
            {
                "kind": "digital_reach",
                "occurred_on": "2025-05-21",
                "title": "Short video on the Hebrew summer school",
                "language": "ru",
                "theme": "cultural",
                "link": "https://t.me/example_channel/1842",
                "platform": "Telegram",
                "audience": 48_000,
                "country": "RU",
            },
        ),
        write_example(
            "Friction incident",
            {
                "kind": "friction_incident",
                "occurred_on": "2025-05-23",
                "title": "Seminar venue withdrew its booking the day before",
                "severity": "medium",
                "country": "RU",
                "note": "The venue cited 'technical reasons'; moved online.",
            },
        ),
        write_example(
            "Coordination meeting",
            {
                "kind": "coordination",
                "occurred_on": "2025-05-27",
                "title": "Monthly coordination with the partner embassies",
                "outcome": "held",
                "country": "RU",
            },
        ),
    ],
    update=[
        write_example("Replace a signal", {**SIGNAL_COVERAGE, "tone": 2, "layer": "narrative"})
    ],
    partial_update=[write_example("Correct the tone", {"tone": 0})],
)
class SignalViewSet(ModelViewSet):
    """Signals logged from outside the CRM; everyone signed in reads (analysts without the
    note), officers, leads and admins write."""

    queryset = Signal.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = indicator_serializers.SignalSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EDITORS
    filterset_class = filters.SignalFilter
    search_fields = ["title", "platform", "organization__name"]
    ordering_fields = ["occurred_on", "tone", "audience", "updated_at", "created_at"]
    ordering = ["-occurred_on", "-id"]

    def get_queryset(self):
        return Signal.objects.select_related("organization")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class ReadsIndicators(permissions.BasePermission):
    """Leads, analysts and admins read the indicators."""

    def has_permission(self, request, view):
        return has_any_role(request.user, NETWORK_READERS)


INDICATOR_NAME = OpenApiParameter(
    "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(measures.REGISTRY)
)


class IndicatorViewSet(viewsets.ViewSet):
    """The strategy's indicators over a window, for leads, analysts and admins. Counts go
    through visible_to: a contact the caller may not see changes no figure."""

    permission_classes = [IsStaffMember, ReadsIndicators]
    lookup_field = "name"
    lookup_value_regex = "[a-z_]+"

    @extend_schema(
        parameters=[indicator_serializers.IndicatorFilterSerializer],
        responses={
            200: indicator_serializers.IndicatorListSerializer,
            400: OpenApiResponse(description="Invalid filters"),
        },
    )
    def list(self, request):
        """Every indicator for the filters."""
        results = figure_cache.compute_all(request.user, **self._filters(request))
        return Response(
            {
                "count": len(results),
                "next": None,
                "previous": None,
                "results": indicator_serializers.IndicatorSerializer(results, many=True).data,
            }
        )

    @extend_schema(
        parameters=[INDICATOR_NAME, indicator_serializers.IndicatorFilterSerializer],
        responses={
            200: indicator_serializers.IndicatorSerializer,
            400: OpenApiResponse(description="Invalid filters"),
            404: OpenApiResponse(description="No indicator of this name"),
        },
    )
    def retrieve(self, request, name=None):
        """One indicator: its series, total and change against the window before."""
        if name not in measures.REGISTRY:
            raise NotFound(gettext("No indicator of this name."))
        result = figure_cache.compute(name, request.user, **self._filters(request))
        return Response(indicator_serializers.IndicatorSerializer(result).data)

    def _filters(self, request) -> dict:
        now = timezone.now()
        query = indicator_serializers.IndicatorFilterSerializer(
            data=request.query_params, context={"today": measures.mission_today(now)}
        )
        query.is_valid(raise_exception=True)
        return {**query.validated_data, "now": now}
