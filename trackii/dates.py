"""The dates a person may type: from 1900 to 2199, in every form, serializer and admin.

A date near the year 1 is a typo, and a dangerous one: a time on 1 January of the year 1
in a zone east of UTC lies in the year 0, which PostgreSQL stores but Python cannot read
back, so every page that reads the row would fail. The model fields carry the validator
(the admin's forms and the API's serializers take it from them); forms that compute with a
date before the model sees it carry it on their own fields too.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

EARLIEST_YEAR = 1900
LATEST_YEAR = 2199


def within_range(value) -> None:
    """Refuse a date or date and time outside 1900–2199 (its own zone's calendar)."""
    if value is None:
        return
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            gettext("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
            code="date_out_of_range",
        )
