"""The mission's side: teams (sections of the mission) and officers' profiles."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contacts.fields import TimeZoneField
from contacts.models.choices import ChoiceLabels


class Team(ChoiceLabels, models.Model):
    """A section of the mission (press, culture, science, community...)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("members")
    )

    def __str__(self):
        return self.name


class OfficerProfile(ChoiceLabels, models.Model):
    """Per-user preferences: time zone, language, and whether and at what hour to send the
    digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    timezone = TimeZoneField(verbose_name=_("timezone"), default="UTC")
    digest_hour = models.PositiveSmallIntegerField(
        _("digest hour"), default=8, validators=[MaxValueValidator(23)]
    )
    receives_digests = models.BooleanField(
        _("receive daily digests"), default=True, help_text=_("Off: no daily digest e-mail.")
    )
    # Blank: the browser's language (LocaleMiddleware); e-mails then use LANGUAGE_CODE.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        db_default="",
        help_text=_("The language of your pages and e-mails. Blank: your browser's."),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_hour__gte=0, digest_hour__lte=23),
                name="profile_digest_hour_in_day",
            )
        ]

    def __str__(self):
        return f"Profile of {self.user}"
