from django.urls import path

from contacts import channel_views, picker, views

app_name = "contacts"

urlpatterns = [
    path("contacts/", views.contact_list, name="list"),
    path("contacts/new/", views.contact_create, name="create"),
    path("contacts/<int:pk>/", views.contact_detail, name="detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="delete"),
    path("contacts/<int:pk>/grants/", views.grant_add, name="grant_add"),
    path(
        "contacts/<int:pk>/grants/<int:user_pk>/revoke/",
        views.grant_revoke,
        name="grant_revoke",
    ),
    path("channels/new/", channel_views.channel_new, name="channel_new"),
    path("channels/<int:pk>/edit/", channel_views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/pause/", channel_views.channel_pause, name="channel_pause"),
    path("channels/<int:pk>/resume/", channel_views.channel_resume, name="channel_resume"),
    path("channels/<int:pk>/close/", channel_views.channel_close, name="channel_close"),
    path("exchanges/new/", views.exchange_new, name="exchange_new"),
    path("exchanges/<int:pk>/edit/", views.exchange_edit, name="exchange_edit"),
    path("exchanges/<int:pk>/delete/", views.exchange_delete, name="exchange_delete"),
    path("reminders/<int:pk>/snooze/", views.reminder_snooze, name="reminder_snooze"),
    path("reminders/<int:pk>/dismiss/", views.reminder_dismiss, name="reminder_dismiss"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<int:pk>/delete/", views.organization_delete, name="organization_delete"),
    path("pick/contacts/", picker.pick_contacts, name="pick_contacts"),
    path("pick/officers/", picker.pick_officers, name="pick_officers"),
    path("pick/staff/", picker.pick_staff, name="pick_staff"),
    path("pick/organizations/", picker.pick_organizations, name="pick_organizations"),
]
