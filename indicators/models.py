"""Signals: observations from outside the CRM that the indicators read.

The table keeps its name from when Signal lived in ``contacts`` (no data moved).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from contacts.models import Layer, Organization


class Signal(models.Model):
    """An observation from outside the CRM that an indicator needs: a media item about the
    country, a piece of host-language content, a friction incident or a coordination
    meeting. The rules of each kind are in ``clean()``, which forms, the API and the CSV
    import all run."""

    class Kind(models.TextChoices):
        COVERAGE = "coverage", "Media coverage"
        DIGITAL_REACH = "digital_reach", "Digital reach"
        FRICTION_INCIDENT = "friction_incident", "Friction incident"
        COORDINATION = "coordination", "Coordination"

    class Theme(models.TextChoices):
        SECURITY = "security", "Security"
        POLITICAL = "political", "Political"
        CIVIL = "civil", "Civil"
        CULTURAL = "cultural", "Cultural"
        INNOVATION = "innovation", "Innovation"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Outcome(models.TextChoices):
        HELD = "held", "Held"
        POSTPONED = "postponed", "Postponed"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_on = models.DateField()
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        help_text="For coverage: the media outlet.",
    )
    title = models.CharField(max_length=300, help_text="The headline or a short label.")
    language = models.CharField(max_length=12, blank=True, help_text="A code, e.g. ru, he.")
    tone = models.SmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text="For coverage: -2 hostile, 0 neutral, +2 favourable.",
    )
    theme = models.CharField(max_length=12, choices=Theme.choices, blank=True)
    link = models.URLField(max_length=500, blank=True)
    platform = models.CharField(max_length=50, blank=True, help_text="For digital reach.")
    audience = models.PositiveIntegerField(
        null=True, blank=True, help_text="Views or audience estimate."
    )
    severity = models.CharField(
        max_length=8, choices=Severity.choices, blank=True, help_text="For friction incidents."
    )
    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, blank=True, help_text="For coordination."
    )
    layer = models.CharField(
        max_length=20,
        choices=Layer.choices,
        help_text="Empty: security for incidents and coordination, narrative otherwise.",
    )
    country = CountryField(blank=True, help_text="Empty: the organization's country.")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(table_name="contacts_historicalsignal")

    class Meta:
        db_table = "contacts_signal"
        constraints = [
            models.CheckConstraint(
                condition=Q(tone__isnull=True) | Q(tone__gte=-2, tone__lte=2),
                name="signal_tone_in_scale",
            ),
            models.CheckConstraint(
                condition=~Q(kind="coverage") | Q(tone__isnull=False),
                name="signal_coverage_has_tone",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "occurred_on"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title} ({self.occurred_on:%Y-%m-%d})"

    @staticmethod
    def default_layer(kind: str) -> str:
        """The layer a signal serves when none is given."""
        security = {Signal.Kind.FRICTION_INCIDENT, Signal.Kind.COORDINATION}
        return Layer.SECURITY if kind in security else Layer.NARRATIVE

    def clean(self):
        """Fill the layer and country defaults, and check what each kind needs."""
        if self.kind and not self.layer:
            self.layer = self.default_layer(self.kind)
        organization = self.organization if self.organization_id else None
        if not self.country and organization is not None:
            self.country = organization.country
        errors = {}
        if self.kind == self.Kind.COVERAGE:
            if organization is None:
                errors["organization"] = "A coverage item names its media outlet."
            elif organization.kind != Organization.Kind.MEDIA_OUTLET:
                errors["organization"] = "The outlet must be an organization of kind media_outlet."
            if self.tone is None:
                errors["tone"] = "A coverage item has a tone from -2 to +2."
        elif self.kind == self.Kind.DIGITAL_REACH:
            if not self.platform:
                errors["platform"] = "A digital reach item names its platform."
            if self.audience is None:
                errors["audience"] = "A digital reach item has an audience (views) estimate."
        elif self.kind == self.Kind.FRICTION_INCIDENT and not self.severity:
            errors["severity"] = "A friction incident has a severity."
        elif self.kind == self.Kind.COORDINATION and not self.outcome:
            errors["outcome"] = "A coordination item has an outcome."
        if errors:
            raise ValidationError(errors)


class FigureGeneration(models.Model):
    """One row (``id`` 1): a number that changes whenever a committed change may alter an
    indicator's figure, so that figures kept in the cache under the number read before
    computing them are never served after such a change (``indicators.cache``).

    Written only by database triggers (migration ``indicators.0002``): never by Python.
    The number is the greater of the last one plus one and the database clock in
    microseconds, so a restored backup or a rolled-back change never brings back a number
    under which other figures were kept."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    value = models.BigIntegerField()

    def __str__(self):
        return f"Figure generation {self.value}"


class FigureChange(models.Model):
    """A transaction (PostgreSQL ``txid``) that changed a table the indicators read and has
    not committed yet: its deferred trigger moves ``FigureGeneration`` on at commit and
    deletes the row. ``mark`` changes with each of its statements (a sequence, never
    rolled back), so that the transaction's own reads key figures by its own changes too.
    Written only by database triggers; empty on SQLite, whose triggers move the
    generation at once."""

    xid = models.BigIntegerField(primary_key=True)
    mark = models.BigIntegerField()

    def __str__(self):
        return f"Uncommitted change {self.xid}"
