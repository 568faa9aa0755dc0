"""Model fields of the contacts app (and the REST field of time zones)."""

import functools
import json

import timezone_field
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.choices import BaseChoiceIterator
from django.utils.encoding import force_str
from timezone_field.backends import get_tz_backend
from timezone_field.choices import standard
from timezone_field.rest_framework import TimeZoneSerializerField as LibraryZoneField

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


@functools.cache
def _every_zone() -> tuple[list, list]:
    """The zones django-timezone-field offers by default, and its choices for them."""
    backend = get_tz_backend(None)
    zones = [backend.to_tzobj(name) for name in backend.base_tzstrs]
    return zones, standard(zones)


class _ZoneChoices(BaseChoiceIterator):
    """The default choices, iterated from the list built once per process (Django keeps a
    ``BaseChoiceIterator`` as it is, where a list of ~600 pairs is normalised again)."""

    def __iter__(self):
        return iter(_every_zone()[1])


class TimeZoneField(timezone_field.TimeZoneField):
    """django-timezone-field's field with its default zones built once per process.

    The library builds and sorts its ~600 choices in every ``__init__`` and again in every
    ``deconstruct``, and a migration clones a field (both) each time it renders a model
    state: 15% of a fresh database's ``migrate`` went there. The column, the values, the
    validation and the choices are the library's; only an explicit ``choices``,
    ``use_pytz`` or ``choices_display`` takes the library's own path.
    """

    def __init__(self, *args, **kwargs):
        if kwargs.keys() & {"choices", "use_pytz", "choices_display"}:
            super().__init__(*args, **kwargs)
            return
        kwargs.setdefault("max_length", self.default_max_length)
        self.use_pytz = None
        self.tz_backend = get_tz_backend(None)
        self.choices_display = None
        self.default_tzs = _every_zone()[0]
        models.Field.__init__(self, *args, choices=_ZoneChoices(), **kwargs)

    def deconstruct(self):
        if not isinstance(self.choices, _ZoneChoices):
            return super().deconstruct()
        name, path, args, kwargs = models.Field.deconstruct(self)
        del kwargs["choices"]
        if kwargs.get("max_length") == self.default_max_length:
            del kwargs["max_length"]
        return name, path, args, kwargs


class TimeZoneSerializerField(LibraryZoneField):
    """django-timezone-field's REST field, refusing a name it does not know before looking
    it up: the lookup reads the zone files, and an arbitrary name (a long one, a NUL, a URL)
    failed there with a 500 instead of "A valid timezone is required."."""

    def to_internal_value(self, data):
        if force_str(data) not in get_tz_backend(None).all_tzstrs:
            self.fail("invalid")
        return super().to_internal_value(data)
