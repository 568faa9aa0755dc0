"""contacts.fields.TimeZoneField: django-timezone-field's field with its zones built once."""

import zoneinfo

import pytest
import timezone_field
from django.core.exceptions import ValidationError

from contacts.fields import TimeZoneField
from contacts.models import OfficerProfile
from events.models import Event


def test_it_offers_validates_and_stores_what_the_librarys_field_does():
    ours = TimeZoneField(default="UTC")
    library = timezone_field.TimeZoneField(default="UTC")

    assert list(ours.choices) == list(library.choices)
    assert len(list(ours.choices)) > 400
    assert ours.formfield().choices == library.formfield().choices
    assert ours.max_length == library.max_length == 63
    assert ours.to_python("Asia/Jerusalem") == zoneinfo.ZoneInfo("Asia/Jerusalem")
    assert ours.get_prep_value(zoneinfo.ZoneInfo("Europe/Kyiv")) == "Europe/Kyiv"
    assert ours.get_default() == zoneinfo.ZoneInfo("UTC")
    ours.set_attributes_from_name("timezone")
    ours.clean("Asia/Tbilisi", None)
    with pytest.raises(ValidationError):
        ours.clean("Mars/Olympus_Mons", None)


def test_a_clone_deconstructs_as_the_migrations_write_it_without_the_zone_list():
    field = TimeZoneField(default="UTC", verbose_name="timezone")
    field.set_attributes_from_name("timezone")

    name, path, args, kwargs = field.deconstruct()
    clone = field.clone()

    assert (name, path, args) == ("timezone", "contacts.fields.TimeZoneField", [])
    assert kwargs == {"default": "UTC", "verbose_name": "timezone"}
    assert clone.deconstruct()[1:] == (path, args, kwargs)
    assert list(clone.choices) == list(field.choices)


def test_explicit_choices_take_the_librarys_own_path():
    field = TimeZoneField(choices=[("Europe/Kyiv", "Kyiv"), ("Asia/Jerusalem", "Jerusalem")])

    assert [label for _zone, label in field.choices] == ["Kyiv", "Jerusalem"]
    assert field.deconstruct()[3]["choices"] == [
        ("Europe/Kyiv", "Kyiv"),
        ("Asia/Jerusalem", "Jerusalem"),
    ]


@pytest.mark.parametrize("model", [OfficerProfile, Event])
def test_the_models_use_it(model):
    assert isinstance(model._meta.get_field("timezone"), TimeZoneField)
