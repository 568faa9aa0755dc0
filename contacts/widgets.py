"""Type-ahead pickers: a ``<select>`` holding only the chosen options, which
``trackii/static/trackii/picker.js`` (Tom Select) turns into a search box that asks a picker
endpoint (``contacts/picker.py``) for the rest as the user types.

The field keeps its name, its queryset and its validation: the page never lists the
thousands of contacts a user may see, and an id that the field's queryset does not hold is
still a form error. Without JavaScript the select still submits the chosen options.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext


class PickerMixin:
    """Render only the chosen options, and name the endpoint that offers the others."""

    def __init__(self, endpoint: str, *, params=None, placeholder: str = "", attrs=None):
        super().__init__(attrs)
        self.endpoint = endpoint  # a URL name, reversed when the widget is rendered
        self.params = dict(params or {})
        self.placeholder = placeholder

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        url = reverse(self.endpoint)
        if self.params:
            url = f"{url}?{urlencode(self.params)}"
        context["widget"]["attrs"].update(
            {
                "data-picker": url,
                "data-placeholder": self.placeholder,
                # picker.js's own words, in the page's language.
                "data-no-results": gettext("No match."),
                "data-loading": gettext("Searching…"),
                "data-remove": gettext("Remove"),
                "data-clear": gettext("Clear"),
            }
        )
        return context

    def optgroups(self, name, value, attrs=None):
        choices = list(self.blank_choice(value)) + self.chosen_choices(value)
        return [
            (None, [self.create_option(name, key, label, key != "", index, attrs=attrs)], index)
            for index, (key, label) in enumerate(choices)
        ]

    def blank_choice(self, value):
        """The field's empty choice, so that an optional single choice can be cleared."""
        field = getattr(self.choices, "field", None)
        if self.allow_multiple_selected or field is None or field.empty_label is None:
            return []
        return [("", field.empty_label)]

    def chosen_choices(self, value) -> list:
        """``(value, label)`` of the chosen objects that the field's queryset holds, in the
        order they were chosen."""
        return [self.choices.choice(obj) for obj in self.chosen_objects(value)]

    def chosen_objects(self, value) -> list:
        """The chosen objects (``value`` as formatted for the widget) that the field's
        queryset holds; anything else (a forged or stale id) is left out."""
        field = self.choices.field
        key = field.to_field_name or "pk"
        target = field.queryset.model._meta.get_field(key) if key != "pk" else None
        target = target or field.queryset.model._meta.pk
        wanted = []
        for raw in value:
            try:
                wanted.append(target.to_python(raw))
            except (ValidationError, TypeError, ValueError):
                continue
        wanted = [item for item in wanted if item not in (None, "")]
        if not wanted:
            return []
        found = {
            getattr(obj, target.attname): obj
            for obj in field.queryset.filter(**{f"{key}__in": wanted})
        }
        return [found[item] for item in dict.fromkeys(wanted) if item in found]


class PickerSelect(PickerMixin, forms.Select):
    """A single choice picked by typing."""


class PickerSelectMultiple(PickerMixin, forms.SelectMultiple):
    """Several choices picked by typing, each removable."""


def chosen(bound_field) -> list:
    """The objects a picker field names on its page: the chosen ones it renders."""
    widget = bound_field.field.widget
    return widget.chosen_objects(widget.format_value(bound_field.value()))
