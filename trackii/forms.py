"""Forms of the project-level pages: the user's own account settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.languages import language_choices
from contacts.models import OfficerProfile


class AccountForm(forms.ModelForm):
    """The signed-in user's language, time zone, digest hour and whether they receive
    digests."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        required=False,
        help_text=_("Your pages and e-mails are in it. Automatic: your browser's language."),
    )
    digest_hour = forms.TypedChoiceField(
        label=_("Digest hour"),
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        coerce=int,
        help_text=_("The daily digest is sent during this hour, in your time zone."),
    )

    class Meta:
        model = OfficerProfile
        fields = ["language", "timezone", "digest_hour", "receives_digests"]
        labels = {"timezone": _("Time zone"), "receives_digests": _("Receive daily digests")}
        help_texts = {
            "timezone": _("Dates and times on every page and in every e-mail are shown in it."),
            "receives_digests": _(
                "One e-mail a day listing your open reminders; untick to stop it."
            ),
        }
