"""Model fields of the contacts app."""

import json

from django.core.serializers.json import DjangoJSONEncoder
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


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (dicts, lists, strings, numbers) stored encrypted like the notes: the
    parsed rows of an import hold personal data. The database sees one Fernet token."""

    def get_prep_value(self, value):
        return crypto.encrypt(json.dumps(value, cls=DjangoJSONEncoder))

    def from_db_value(self, value, expression, connection):
        text = super().from_db_value(value, expression, connection)
        return json.loads(text) if text else None

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)
