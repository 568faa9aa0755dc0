from django.apps import AppConfig


class TrackiiConfig(AppConfig):
    name = "trackii"
    verbose_name = "Track II"
