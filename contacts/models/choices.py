"""The choices shared by several models: strategy layers and sensitivity."""

from django.db import models
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
