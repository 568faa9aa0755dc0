"""Forms of the project-level pages: the user's own account settings."""

from django import forms

from contacts.models import OfficerProfile


class AccountForm(forms.ModelForm):
    """The signed-in user's time zone, digest hour and whether they receive digests."""

    digest_hour = forms.TypedChoiceField(
        label="Digest hour",
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        coerce=int,
        help_text="The daily digest is sent during this hour, in your time zone.",
    )

    class Meta:
        model = OfficerProfile
        fields = ["timezone", "digest_hour", "receives_digests"]
        labels = {"timezone": "Time zone", "receives_digests": "Receive daily digests"}
        help_texts = {
            "timezone": "Dates and times on every page and in every e-mail are shown in it.",
            "receives_digests": "One e-mail a day listing your open reminders; untick to stop it.",
        }
