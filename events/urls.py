from django.urls import path

from events import views

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
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("calendar/", views.feed_manage, name="feed_manage"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("events/<int:pk>/calendar.ics", views.event_ics, name="event_ics"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
