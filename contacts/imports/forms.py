"""The upload form of an import (web app and admin alike)."""

from django import forms
from django.conf import settings

from contacts.models import Contact, Sensitivity


def _limits() -> str:
    megabytes = settings.IMPORT_MAX_BYTES / 1024 / 1024
    return f"up to {megabytes:g} MB and {settings.IMPORT_MAX_ROWS:,} rows"


class ImportUploadForm(forms.Form):
    """A file and the choices that apply to its whole batch: the sensitivity of the
    contacts it creates (chosen, never silently standard) and the category of rows that
    name none."""

    file = forms.FileField(label="File")
    sensitivity = forms.ChoiceField(
        label="Who may see the new contacts",
        choices=Sensitivity.choices,
        initial=Sensitivity.RESTRICTED,
        widget=forms.RadioSelect,
        help_text="Every contact this file creates gets it; contacts it updates keep theirs.",
    )
    default_category = forms.ChoiceField(
        label="Category of rows that name none",
        choices=[("", "None: such a row is invalid"), *Contact.Category.choices],
        initial=Contact.Category.OTHER,
        required=False,
        help_text="A phone's vCards name no category.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"CSV (UTF-8 or Windows-1251), XLSX or vCard (.vcf), {_limits()}. Columns are "
            "found by their headers, in English or Russian (Full name / ФИО, Organization / "
            "Организация, E-mail, Phone / Телефон, Category / Категория…). Nothing is stored "
            "before you have seen the preview and confirmed."
        )
