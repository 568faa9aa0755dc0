"""Keeps the channel dates stored on each contact true to its channels, whichever way a
channel changes: a service, the admin, the API, a history revert, a factory, a cascade.

A contact stores the latest touch of its channels and, under each climate level, the
soonest next due moment of its active ones (``Contact.channels_last_touch_at``,
``channels_due_<level>_at``, with the cadence factors they were computed under in
``channels_dates_factors``), so that the contacts list sorts by them through an index
(``ContactQuerySet.with_channel_dates``, which reads the level in force).

- A channel saved or deleted one at a time: the receivers below store its contact's dates
  again (both contacts' when it moved to another contact).
- Channels written in bulk (``update``, ``bulk_create``, ``bulk_update``): ``ChannelQuerySet``
  does the same for the contacts they touch, in one statement.
- A contact saved whole writes the dates it was loaded with, which may be older than its
  channels': its dates are stored again after it.
- The climate: a new level (recorded, or dated earlier and now in force) needs no writing,
  since every level's next due moment is stored. New cadence factors (``CLIMATE_FACTORS``
  changed by a deployment) make every contact's dates stale: the list computes the next due
  moment of those contacts itself (correct, only slower) until the sweep has stored them
  again (``services.refresh_stale_contact_dates``), and so for contacts inserted in raw SQL.
- Raw SQL that writes channels calls ``Contact.objects.refresh_channel_dates`` itself.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from contacts.models import Channel, Contact
from contacts.models.network import CHANNEL_DATE_FIELDS
from contacts.querysets import ChannelQuerySet


def refresh(contact_ids) -> None:
    """Store the channel dates of these contacts again."""
    contact_ids = {pk for pk in contact_ids if pk is not None}
    if contact_ids:
        Contact.objects.filter(pk__in=contact_ids).refresh_channel_dates()


@receiver(pre_save, sender=Channel)
def channel_saving(sender, instance, update_fields=None, **kwargs):
    # The contact it had, when this save may move it to another (the API's PUT, a revert).
    moving = update_fields is None or {"contact", "contact_id"}.intersection(update_fields)
    if instance.pk is not None and not instance._state.adding and moving:
        stored = Channel._base_manager.filter(pk=instance.pk)
        instance._contact_before_save = stored.values_list("contact_id", flat=True).first()


@receiver(post_save, sender=Channel)
def channel_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and not ChannelQuerySet.DATE_INPUTS.intersection(update_fields):
        return
    before = instance.__dict__.pop("_contact_before_save", None)
    refresh({instance.contact_id, before})


@receiver(post_delete, sender=Channel)
def channel_deleted(sender, instance, **kwargs):
    refresh({instance.contact_id})


@receiver(post_save, sender=Contact)
def contact_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is None or set(CHANNEL_DATE_FIELDS).intersection(update_fields):
        refresh({instance.pk})
