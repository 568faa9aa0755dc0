"""URLs of the page benchmark (benchmarks/pages.py): the project's, plus the floors' pages
(benchmarks/pages_floors.py). Not for anything else."""

from django.urls import path

from benchmarks import pages_floors
from trackii.urls import urlpatterns as project_urls

urlpatterns = [
    path("floor/contacts/", pages_floors.contacts, name="floor_contacts"),
    path("floor/contacts/<int:pk>/", pages_floors.contact_page, name="floor_contact_page"),
    path("floor/events/<int:pk>/", pages_floors.event_page, name="floor_event_page"),
    path("floor/events/<int:pk>/checkin/", pages_floors.checkin_page, name="floor_checkin_page"),
    path("floor/health/", pages_floors.health_page, name="floor_health_page"),
    path("floor/contacts/sorted/", pages_floors.contacts_sorted, name="floor_contacts_sorted"),
    path("floor/today/", pages_floors.today, name="floor_today"),
    path("floor/reminders/<int:pk>/snooze/", pages_floors.snooze, name="floor_snooze"),
    path("floor/reminders/<int:pk>/dismiss/", pages_floors.dismiss, name="floor_dismiss"),
    *project_urls,
]
