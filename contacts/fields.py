"""Model fields of the contacts app."""

from django.db import models

from contacts import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token (see contacts.crypto); the database never holds it in
    clear, so it can be neither searched nor filtered on. An empty value stays empty."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value)

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value)
