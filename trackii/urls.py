"""Track II URL map: the admin, a health check; the web app and API join later."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from trackii import views

admin.site.site_header = "Track II"
admin.site.site_title = "Track II"
admin.site.index_title = "Informal diplomacy network"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
