from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts and channels"

    def ready(self):
        from contacts import (
            checks,  # noqa: F401 (registers the system checks)
            contact_dates,  # noqa: F401 (keeps the channel dates stored on contacts)
            receivers,  # noqa: F401 (keeps names_journalist and the seals)
            search,  # noqa: F401 (folds case in every script on SQLite connections)
        )
