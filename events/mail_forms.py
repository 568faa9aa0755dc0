"""Forms of the guest e-mail pages: the event's invitation text, and a chosen set of
guests to send it to."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from events.mail_templates import PLACEHOLDERS
from events.models import Event, Invitation


def _placeholders_help() -> str:
    listed = ", ".join(f"{{{name}}} ({meaning})" for name, meaning in PLACEHOLDERS.items())
    return gettext("Placeholders: %(placeholders)s. Write {{ and }} for a literal brace.") % {
        "placeholders": listed
    }


class InvitationTextForm(forms.ModelForm):
    """The subject and text of an event's invitation e-mail (placeholders checked by the
    model fields' validators)."""

    class Meta:
        model = Event
        fields = ["invitation_subject", "invitation_text"]
        labels = {
            "invitation_subject": gettext_lazy("Subject"),
            "invitation_text": gettext_lazy("Text"),
        }
        # A planner writes in any language, whatever the page's: each box takes its text's
        # direction (an English text stays left to right on a Hebrew page).
        widgets = {
            "invitation_subject": forms.TextInput(attrs={"dir": "auto"}),
            "invitation_text": forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
        }
        help_texts = {
            "invitation_subject": "",
            "invitation_text": lazy(_placeholders_help, str)(),
        }


class GuestChoiceForm(forms.Form):
    """Guests chosen on the guest list, or all not yet sent."""

    invitation = forms.ModelMultipleChoiceField(queryset=Invitation.objects.none(), required=False)
    everyone = forms.BooleanField(required=False)

    def __init__(self, *args, guests, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = guests

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("everyone") and not cleaned.get("invitation"):
            raise forms.ValidationError(gettext("Choose guests, or send to all not yet sent."))
        return cleaned

    def invitation_ids(self) -> list[int] | None:
        """The ids chosen, or None for every guest not yet sent."""
        if self.cleaned_data["everyone"]:
            return None
        return [invitation.pk for invitation in self.cleaned_data["invitation"]]
