from django.urls import path

from contacts import channel_views, duplicate_views, export_views, picker, views
from contacts.imports import views as import_views

app_name = "contacts"

urlpatterns = [
    path("contacts/", views.contact_list, name="list"),
    path("contacts/new/", views.contact_create, name="create"),
    # The list as a file, with the list's query string (contacts.exports).
    *(
        path(
            f"contacts/export.{file_format}",
            export_views.contact_export,
            {"file_format": file_format},
            name=f"export_{file_format}",
        )
        for file_format in ("vcf", "csv", "xlsx")
    ),
    path("contacts/<int:pk>/", views.contact_detail, name="detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="edit"),
    path("contacts/<int:pk>/vcard/", export_views.contact_vcard, name="vcard"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="delete"),
    path("contacts/<int:pk>/grants/", views.grant_add, name="grant_add"),
    path(
        "contacts/<int:pk>/grants/<int:user_pk>/revoke/",
        views.grant_revoke,
        name="grant_revoke",
    ),
    path("contacts/<int:pk>/merge/", duplicate_views.contact_merge, name="merge"),
    path("contacts/duplicates/", duplicate_views.duplicate_list, name="duplicate_list"),
    path(
        "contacts/duplicates/<int:pk>/dismiss/",
        duplicate_views.duplicate_dismiss,
        name="duplicate_dismiss",
    ),
    path("contacts/merges/<int:pk>/undo/", duplicate_views.merge_undo, name="merge_undo"),
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
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/", import_views.import_new, name="import_new"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/revert/", import_views.import_revert, name="import_revert"),
    path("pick/contacts/", picker.pick_contacts, name="pick_contacts"),
    path("pick/officers/", picker.pick_officers, name="pick_officers"),
    path("pick/staff/", picker.pick_staff, name="pick_staff"),
    path("pick/organizations/", picker.pick_organizations, name="pick_organizations"),
]
