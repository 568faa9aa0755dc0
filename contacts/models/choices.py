"""The choices shared by several models: strategy layers and sensitivity."""

from django.db import models


class Layer(models.TextChoices):
    SECURITY = "security", "Security"
    POLITICAL = "political", "Political"
    NARRATIVE = "narrative", "Narrative"
    SOFT_CULTURAL = "soft_cultural", "Soft / cultural"
    CIVIL_EPISTEMIC = "civil_epistemic", "Civil / epistemic"


class Sensitivity(models.TextChoices):
    STANDARD = "standard", "Standard (all staff)"
    RESTRICTED = "restricted", "Restricted (owner, team, grants)"
    PROTECTED = "protected", "Protected (owner and grants only)"
