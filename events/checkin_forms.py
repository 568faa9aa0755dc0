"""The check-in page's forms: the guest search and the walk-in."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact
from contacts.widgets import PickerSelect


class GuestSearchForm(forms.Form):
    """Narrow the guest list by name (the page filters as one types; this is the same
    without JavaScript)."""

    q = forms.CharField(
        label=gettext_lazy("Find a guest"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("Name in any script"),
                "autocomplete": "off",
            }
        ),
    )

    def term(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class WalkInForm(forms.Form):
    """A guest who is not on the list: someone in the network, or someone new."""

    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        label=gettext_lazy("Someone in the network"),
        widget=PickerSelect("contacts:pick_contacts", placeholder=gettext_lazy("Type a name…")),
    )
    full_name = forms.CharField(
        label=gettext_lazy("Someone new: name"), required=False, max_length=200
    )
    email = forms.EmailField(label=gettext_lazy("E-mail (optional)"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only contacts the planner may see are choices; any other id is a form error.
        self.fields["contact"].queryset = Contact.objects.visible_to(user).filter(
            erased_at__isnull=True
        )

    def clean(self):
        data = super().clean()
        contact, name = data.get("contact"), (data.get("full_name") or "").strip()
        if self.errors:
            return data
        if contact and name:
            raise forms.ValidationError(_("Choose someone in the network or a new name, not both."))
        if not contact and not name:
            raise forms.ValidationError(_("Choose someone in the network, or give a new name."))
        return data
