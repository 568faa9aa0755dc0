from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("contacts/", views.contact_list, name="list"),
    path("organizations/", views.organization_list, name="organization_list"),
]
