from django.urls import path

from events import mail_views, programme_views, views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/new/", views.event_create, name="create"),
    path("events/calendar/", views.event_calendar_now, name="calendar_now"),
    path("events/calendar/<int:year>/<int:month>/", views.event_calendar, name="calendar"),
    path("events/<int:pk>/", views.event_detail, name="detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="edit"),
    path("events/<int:pk>/invite/", views.event_invite, name="invite"),
    path("events/<int:pk>/checkin/", views.event_checkin, name="checkin"),
    path("events/<int:pk>/checkin/walk-in/", views.event_walk_in, name="walk_in"),
    path("events/<int:pk>/mail/", mail_views.event_mail, name="mail"),
    path("events/<int:pk>/mail/send/", mail_views.send_invitations, name="mail_send"),
    path("events/<int:pk>/mail/chase/", mail_views.send_chasers, name="mail_chase"),
    path("events/<int:pk>/invite/bulk/", mail_views.invite_bulk, name="invite_bulk"),
    path("events/batches/<int:pk>/withdraw/", mail_views.batch_withdraw, name="batch_withdraw"),
    path(
        "events/invitations/<int:pk>/checkin/",
        views.invitation_checkin,
        name="invitation_checkin",
    ),
    path(
        "events/invitations/<int:pk>/respond/",
        views.invitation_respond,
        name="invitation_respond",
    ),
    path(
        "events/invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", programme_views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", programme_views.programme_edit, name="programme_edit"),
    path("calendar/", views.feed_manage, name="feed_manage"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("events/<int:pk>/calendar.ics", views.event_ics, name="event_ics"),
    # A token is URL-safe base64 (new_feed_token): anything else is no feed.
    path("calendar/<slug:token>.ics", views.feed, name="feed"),
]
