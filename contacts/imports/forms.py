"""The upload form of an import (web app and admin alike)."""

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Sensitivity


def _limits() -> str:
    megabytes = settings.IMPORT_MAX_BYTES / 1024 / 1024
    rows = settings.IMPORT_MAX_ROWS
    return ngettext(
        "up to %(megabytes)s MB and %(rows)s row",
        "up to %(megabytes)s MB and %(rows)s rows",
        rows,
    ) % {"megabytes": f"{megabytes:g}", "rows": number_format(rows, force_grouping=True)}


class ImportUploadForm(forms.Form):
    """A file and the choices that apply to its whole batch: the sensitivity of the
    contacts it creates (chosen, never silently standard) and the category of rows that
    name none."""

    file = forms.FileField(label=_("File"))
    sensitivity = forms.ChoiceField(
        label=_("Who may see the new contacts"),
        choices=Sensitivity.choices,
        initial=Sensitivity.RESTRICTED,
        widget=forms.RadioSelect,
        help_text=_("Every contact this file creates gets it; contacts it updates keep theirs."),
    )
    default_category = forms.ChoiceField(
        label=_("Category of rows that name none"),
        choices=[("", _("None: such a row is invalid")), *Contact.Category.choices],
        initial=Contact.Category.OTHER,
        required=False,
        help_text=_("A phone's vCards name no category."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "CSV (UTF-8 or Windows-1251, -1252, -1255), XLSX or vCard (.vcf), %(limits)s. "
            "Columns are found by their headers, in English or Russian (Full name / ФИО, "
            "Organization / "
            "Организация, E-mail, Phone / Телефон, Category / Категория…). Nothing is stored "
            "before you have seen the preview and confirmed."
        ) % {"limits": _limits()}
