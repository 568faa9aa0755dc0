from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("events/<int:pk>/calendar.ics", views.event_ics, name="event_ics"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
