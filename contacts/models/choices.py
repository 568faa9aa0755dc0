"""The choices shared by several models: strategy layers and sensitivity."""

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


class Layer(models.TextChoices):
    SECURITY = "security", _("Security")
    POLITICAL = "political", _("Political")
    NARRATIVE = "narrative", _("Narrative")
    SOFT_CULTURAL = "soft_cultural", _("Soft / cultural")
    CIVIL_EPISTEMIC = "civil_epistemic", _("Civil / epistemic")


class Sensitivity(models.TextChoices):
    STANDARD = "standard", _("Standard (all staff)")
    RESTRICTED = "restricted", _("Restricted (owner, team, grants)")
    PROTECTED = "protected", _("Protected (owner and grants only)")


class ChoiceLabels:
    """``get_FOO_display()`` translating only the label it returns.

    Django's builds a dict of every choice to look the value up, hashing each lazy label,
    which translates all of them: a quarter of a millisecond a call, hundreds of calls on a
    list such as Today. This one compares the keys and translates the one label found. A
    mixin of the models (before ``models.Model``); it changes no field."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        for key, label in field.flatchoices:
            if key == value:
                return force_str(label, strings_only=True)
        return force_str(value, strings_only=True)
