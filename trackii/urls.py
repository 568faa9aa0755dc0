"""Track II URL map: the admin, the REST API v1 (its token endpoints, me/, the schema and
docs, the router of every resource), the operator's health endpoints, and the web app
(trackii.web_urls)."""

from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from contacts import api as contacts_api
from trackii import api
from trackii.api_schema import SchemaView
from trackii.role_policy import IsStaffMember
from trackii.views import health
from trackii.views.metrics import metrics

admin.site.site_header = "Track II"
admin.site.site_title = "Track II"
admin.site.index_title = "Informal diplomacy network"

api_v1 = [
    path("auth/token/", api.ObtainTokenView.as_view(), name="token"),
    path("auth/token/revoke/", api.RevokeTokenView.as_view(), name="token-revoke"),
    path("me/", contacts_api.MeView.as_view(), name="me"),
    # The schema maps every resource and field: signed-in users (session or token) only.
    path("schema/", SchemaView.as_view(permission_classes=[IsStaffMember]), name="schema"),
    # Swagger UI's stylesheet draws its icons as data: images; only this page may load them.
    path(
        "docs/",
        csp_update({"img-src": [SELF, "data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", permission_classes=[IsStaffMember]
            )
        ),
        name="docs",
    ),
    *api.router.urls,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    # The operator's endpoints (no trailing slash: /health/ is the network-health page).
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("healthz", health.live, name="healthz"),  # the older name of /health/live
    # Prometheus's scrape, behind METRICS_TOKEN (trackii.views.metrics).
    path("metrics", metrics, name="metrics"),
    path("", include("trackii.web_urls")),
]
