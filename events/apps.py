from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events and programmes"

    def ready(self):
        from events import merging

        # How invitations follow a merge of contacts (contacts.merging).
        merging.register()
