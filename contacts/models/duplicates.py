"""Duplicates: the review queue the nightly finder fills, and the record of each merge."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.fields import EncryptedTextField
from contacts.models.choices import ChoiceLabels
from contacts.models.network import Contact
from contacts.querysets import ExposesContactQuerySet


class DuplicatePairQuerySet(models.QuerySet):
    def offered_to(self, user) -> "DuplicatePairQuerySet":
        """Open pairs both of whose contacts the user may see (a pair with a hidden contact
        is never shown, counted or hinted at)."""
        visible = Contact.objects.visible_to(user).values("pk")
        return self.filter(
            status=DuplicatePair.Status.OPEN, contact_a__in=visible, contact_b__in=visible
        )

    def between(self, one_id: int, other_id: int) -> "DuplicatePairQuerySet":
        """The pair of these two contacts, whichever way round they are named."""
        low, high = sorted((one_id, other_id))
        return self.filter(contact_a_id=low, contact_b_id=high)


class DuplicatePair(ChoiceLabels, models.Model):
    """Two contacts the nightly finder scored alike (``contacts.duplicates``), waiting for
    someone who sees both to merge them or to say they are two people. Derived data: it
    names two ids, a score and the names of the rules met, never a contact's data."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("duplicate pair status", "Open")
        DISMISSED = "dismissed", pgettext_lazy("duplicate pair status", "Not the same person")
        MERGED = "merged", pgettext_lazy("duplicate pair status", "Merged")

    # SET_NULL: a merge deletes one of the two; the pair stays as the queue's record (and
    # an undo names the contact again). An open pair missing a contact is dropped nightly.
    contact_a = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact a"),
    )
    contact_b = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact b"),
    )
    score = models.PositiveSmallIntegerField(_("score"))
    reasons = models.JSONField(
        _("reasons"), default=list, help_text=_("The rules the pair met, e.g. name, email.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    found_at = models.DateTimeField(
        _("found at"), help_text=_("When the finder last scored the pair.")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = models.Manager.from_queryset(DuplicatePairQuerySet)()

    # Recomputed from the contacts; deleting a contact drops it, which changes nothing
    # anyone reads (contacts.deletion does not count it as a row the deleter must see).
    DERIVED = True

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact_a", "contact_b"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(contact_a__lt=F("contact_b")), name="duplicate_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(score__lte=100), name="duplicate_pair_score_in_scale"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-score"], name="duplicate_pair_queue"),
            models.Index(fields=["contact_b"], name="duplicate_pair_contact_b"),
        ]

    def __str__(self):
        return f"#{self.contact_a_id} and #{self.contact_b_id} ({self.score})"


class ContactMergeQuerySet(ExposesContactQuerySet):
    contact_field = "kept"

    def visible_to(self, user, *, few: bool = False) -> "ContactMergeQuerySet":
        """Merges whose kept contact the user may see, and whose merged contact too when it
        is back (an undo gives it its id again): its id alone would tell of a contact the
        user may not see."""
        rows = super().visible_to(user, few=few)
        if user.is_superuser:
            return rows
        hidden = Contact.objects.exclude(pk__in=Contact.objects.visible_to(user).values("pk"))
        return rows.exclude(merged_contact_id__in=hidden.values("pk"))


class ContactMerge(ChoiceLabels, models.Model):
    """One merge (``contacts.merging``): which contact was kept, which one went, who did it,
    and a snapshot that undoes it. The merged contact's private notes, and the kept one's
    before the merge, are kept encrypted like every note; the rest is in ``snapshot``."""

    kept = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="merges", verbose_name=_("kept")
    )
    merged_contact_id = models.PositiveBigIntegerField(
        _("merged contact id"),
        help_text=_("The id of the contact merged into the kept one (deleted by the merge)."),
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("merged by"),
    )
    merged_at = models.DateTimeField(_("merged at"))
    snapshot = models.JSONField(_("snapshot"), default=dict)
    kept_notes = EncryptedTextField(verbose_name=_("kept notes"), blank=True)
    merged_notes = EncryptedTextField(verbose_name=_("merged notes"), blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undo_report = models.JSONField(
        _("undo report"),
        default=dict,
        blank=True,
        help_text=_("What the undo left as it was, and why."),
    )

    objects = models.Manager.from_queryset(ContactMergeQuerySet)()

    class Meta:
        indexes = [models.Index(fields=["kept", "-merged_at"], name="contact_merge_kept")]

    def __str__(self):
        return f"#{self.merged_contact_id} merged into #{self.kept_id}"
