"""URLs of the page benchmark (benchmarks/pages.py): the project's, plus the floors' pages
(benchmarks/pages_floors.py). Not for anything else."""

from django.urls import path

from benchmarks import pages_floors
from trackii.urls import urlpatterns as project_urls

urlpatterns = [
    path("floor/contacts/", pages_floors.contacts, name="floor_contacts"),
    *project_urls,
]
