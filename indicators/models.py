"""Signals: observations from outside the CRM that the indicators read.

The table keeps its name from when Signal lived in ``contacts`` (no data moved).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from contacts.models import Layer, Organization
from contacts.models.choices import ChoiceLabels
from trackii.dates import within_range


class Signal(ChoiceLabels, models.Model):
    """An observation from outside the CRM that an indicator needs: a media item about the
    country, a piece of host-language content, a friction incident or a coordination
    meeting. The rules of each kind are in ``clean()``, which forms, the API and the CSV
    import all run."""

    class Kind(models.TextChoices):
        COVERAGE = "coverage", _("Media coverage")
        DIGITAL_REACH = "digital_reach", _("Digital reach")
        FRICTION_INCIDENT = "friction_incident", _("Friction incident")
        COORDINATION = "coordination", _("Coordination")

    class Theme(models.TextChoices):
        SECURITY = "security", pgettext_lazy("signal theme", "Security")
        POLITICAL = "political", pgettext_lazy("signal theme", "Political")
        CIVIL = "civil", pgettext_lazy("signal theme", "Civil")
        CULTURAL = "cultural", pgettext_lazy("signal theme", "Cultural")
        INNOVATION = "innovation", pgettext_lazy("signal theme", "Innovation")

    class Severity(models.TextChoices):
        LOW = "low", pgettext_lazy("incident severity", "Low")
        MEDIUM = "medium", pgettext_lazy("incident severity", "Medium")
        HIGH = "high", pgettext_lazy("incident severity", "High")

    class Outcome(models.TextChoices):
        HELD = "held", pgettext_lazy("coordination outcome", "Held")
        POSTPONED = "postponed", pgettext_lazy("coordination outcome", "Postponed")
        FAILED = "failed", pgettext_lazy("coordination outcome", "Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("occurred on"), validators=[within_range])
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("organization"),
        help_text=_("For coverage: the media outlet."),
    )
    title = models.CharField(
        _("title"), max_length=300, help_text=_("The headline or a short label.")
    )
    language = models.CharField(
        _("language"), max_length=12, blank=True, help_text=_("A code, e.g. ru, he.")
    )
    tone = models.SmallIntegerField(
        _("tone"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text=_("For coverage: -2 hostile, 0 neutral, +2 favourable."),
    )
    theme = models.CharField(_("theme"), max_length=12, choices=Theme.choices, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    platform = models.CharField(
        _("platform"), max_length=50, blank=True, help_text=_("For digital reach.")
    )
    audience = models.PositiveIntegerField(
        _("audience"), null=True, blank=True, help_text=_("Views or audience estimate.")
    )
    severity = models.CharField(
        _("severity"),
        max_length=8,
        choices=Severity.choices,
        blank=True,
        help_text=_("For friction incidents."),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=Outcome.choices,
        blank=True,
        help_text=_("For coordination."),
    )
    layer = models.CharField(
        _("layer"),
        max_length=20,
        choices=Layer.choices,
        help_text=_("Empty: security for incidents and coordination, narrative otherwise."),
    )
    country = CountryField(
        verbose_name=_("country"), blank=True, help_text=_("Empty: the organization's country.")
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(table_name="contacts_historicalsignal")

    class Meta:
        db_table = "contacts_signal"
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
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
                errors["organization"] = gettext("A coverage item names its media outlet.")
            elif organization.kind != Organization.Kind.MEDIA_OUTLET:
                errors["organization"] = gettext(
                    "The outlet must be an organization of kind media_outlet."
                )
            if self.tone is None:
                errors["tone"] = gettext("A coverage item has a tone from -2 to +2.")
        elif self.kind == self.Kind.DIGITAL_REACH:
            if not self.platform:
                errors["platform"] = gettext("A digital reach item names its platform.")
            if self.audience is None:
                errors["audience"] = gettext(
                    "A digital reach item has an audience (views) estimate."
                )
        elif self.kind == self.Kind.FRICTION_INCIDENT and not self.severity:
            errors["severity"] = gettext("A friction incident has a severity.")
        elif self.kind == self.Kind.COORDINATION and not self.outcome:
            errors["outcome"] = gettext("A coordination item has an outcome.")
        if errors:
            raise ValidationError(errors)


class FigureGeneration(ChoiceLabels, models.Model):
    """One row (``id`` 1): a number that changes whenever a committed change may alter an
    indicator's figure, so that figures kept in the cache under the number read before
    computing them are never served after such a change (``indicators.cache``).

    Written only by database triggers (migration ``indicators.0002``): never by Python.
    The number is the greater of the last one plus one and the database clock in
    microseconds, so a restored backup or a rolled-back change never brings back a number
    under which other figures were kept."""

    id = models.PositiveSmallIntegerField(_("id"), primary_key=True)
    value = models.BigIntegerField(_("value"))

    def __str__(self):
        return f"Figure generation {self.value}"


class FigureChange(ChoiceLabels, models.Model):
    """A transaction (PostgreSQL ``txid``) that changed a table the indicators read and has
    not committed yet: its deferred trigger moves ``FigureGeneration`` on at commit and
    deletes the row, written once per transaction. ``mark`` is its first change's mark (a
    sequence, never rolled back); the latest, which moves on with each statement so that
    the transaction's own reads key figures by its own changes too, is the
    transaction-local setting ``trackii.figure_mark`` (indicators.0005). Written only by
    database triggers; empty on SQLite, whose triggers move the generation at once."""

    xid = models.BigIntegerField(_("xid"), primary_key=True)
    mark = models.BigIntegerField(_("mark"))

    def __str__(self):
        return f"Uncommitted change {self.xid}"


class HealthPart(ChoiceLabels, models.Model):
    """One row per part of the network-health page's figures (``id`` 0 to 63: a channel's
    part is its contact's ``mod(COALESCE(organization_id, id), 64)``; ``id`` 64: the
    *private* number, of the restricted and protected contacts' channels): a number that
    changes whenever a committed change may alter those figures, so that
    ``indicators.cache.network_health`` computes again only what a change touched.

    Written only by database triggers (migrations ``indicators.0006`` and ``0007``,
    PostgreSQL; empty on SQLite): at commit, the numbers a transaction touched take the new
    figure generation."""

    id = models.PositiveSmallIntegerField(_("id"), primary_key=True)
    value = models.BigIntegerField(_("value"))

    def __str__(self):
        return f"Network-health part {self.id}: {self.value}"


class HealthTally(ChoiceLabels, models.Model):
    """How many channels every reader shares (their contact standard) fall in each group
    of the network-health page, kept by database triggers as each change happens (migration
    ``indicators.0012``, PostgreSQL; empty on SQLite), so that the page reads a few
    thousand rows, not every channel, after a change that touched them all
    (``indicators.tally``).

    A row is a change of ``channels`` (positive or negative) in one group: ``grouping``
    ``s`` (a status: ``label``), ``g`` (an organization's active channels: ``ref``), or,
    over active channels under the informal channels' cadence ``factor`` (a climate
    level's), ``l`` (a layer: ``label``), ``c`` (a category: ``label``) and ``o`` (an
    officer: ``ref``), each by the day (``bucket``, days since 1970-01-01 UTC) on which
    the channels fall due. A group's count is the sum of its rows: triggers only add rows,
    and ``indicators.tally.compact`` folds each group's rows into one."""

    factor = models.FloatField(_("cadence factor"), null=True)
    grouping = models.CharField(_("grouping"), max_length=1)
    label = models.CharField(_("label"), max_length=20, null=True)
    ref = models.BigIntegerField(_("id"), null=True)
    bucket = models.IntegerField(_("due day"))
    channels = models.IntegerField(_("channels"))

    class Meta:
        indexes = [models.Index(fields=["factor"], name="health_tally_factor")]

    def __str__(self):
        group = self.label if self.ref is None else self.ref
        return f"{self.grouping} {group} ({self.factor}, day {self.bucket}): {self.channels}"
