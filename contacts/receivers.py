"""Keeps two facts about an exchange true to its contacts whichever way they change: a
service, the admin, the reverse relation (``contact.exchanges``), a contact's new category
or its deletion.

- ``Exchange.names_journalist``; code that writes the through table in bulk calls
  ``refresh_names_journalist`` itself (the demo data does).
- Its seal: before a restricted or protected contact is taken off an exchange, or changes
  owner or sensitivity, who may read it is fixed (``services.seal_exchanges``), so no edit
  or deletion widens it. This is a
  receiver, not a call in each service, because the invariant must hold on every path,
  Django's own included (the admin's forms, cascades, the reverse relation).

And one fact about tags: a tag lives while it labels someone. When its last contact loses
it (untagged, erased or deleted) it goes too, or a tag made up for a protected contact
would be offered to everyone once that contact is gone.

And the roles kept on a user object (``access.roles_of``) follow its own group changes.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from contacts.access import forget_roles
from contacts.models import Contact, Exchange, Tag
from contacts.services import seal_exchanges


@receiver(m2m_changed, sender=Exchange.contacts.through)
def exchange_contacts_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action in ("pre_remove", "pre_clear"):
        _seal_before_removal(instance, reverse, pk_set)
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            Exchange.objects.filter(pk=instance.pk).refresh_names_journalist()
        return
    # From the contact's side: pk_set names the exchanges, except on clear.
    if action == "pre_clear":
        instance._exchanges_before_clear = list(instance.exchanges.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove"):
        Exchange.objects.filter(pk__in=pk_set).refresh_names_journalist()
    elif action == "post_clear":
        exchange_ids = instance.__dict__.pop("_exchanges_before_clear", [])
        Exchange.objects.filter(pk__in=exchange_ids).refresh_names_journalist()


@receiver(pre_save, sender=Contact)
def contact_saving(sender, instance, raw, **kwargs):
    """Before a restricted or protected contact changes owner or sensitivity, its exchanges
    are sealed to who reads them now: the contact is seen by whom the edit names, its past
    exchanges by no one more (a merge and its undo decide their own seals, and say so)."""
    if raw or instance.pk is None or getattr(instance, "_seals_decided", False):
        return
    stored = Contact.objects.filter(pk=instance.pk).values("owner_id", "sensitivity").first()
    if stored is None or stored == {
        "owner_id": instance.owner_id,
        "sensitivity": instance.sensitivity,
    }:
        return
    exchange_ids = Exchange.contacts.through.objects.filter(contact_id=instance.pk)
    seal_exchanges(
        exchange_ids=exchange_ids.values_list("exchange_id", flat=True),
        removed_contact_ids=[instance.pk],
    )


@receiver(post_save, sender=Contact)
def contact_saved(sender, instance, created, **kwargs):
    # A new contact names no exchange yet; an edit may have changed the category (only the
    # exchanges whose flag changes are written).
    if not created:
        Exchange.objects.filter(contacts=instance).refresh_names_journalist()


def _seal_before_removal(instance, reverse: bool, pk_set) -> None:
    if reverse:  # instance is a contact; pk_set its exchanges (None: all of them)
        exchange_ids = instance.exchanges.values_list("pk", flat=True) if pk_set is None else pk_set
        seal_exchanges(exchange_ids=exchange_ids, removed_contact_ids=[instance.pk])
    else:  # instance is an exchange; pk_set its contacts (None: all of them)
        contact_ids = instance.contacts.values_list("pk", flat=True) if pk_set is None else pk_set
        seal_exchanges(exchange_ids=[instance.pk], removed_contact_ids=contact_ids)


@receiver(m2m_changed, sender=Contact.tags.through)
def contact_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear":
        instance._tags_before_clear = (
            [instance.pk] if reverse else list(instance.tags.values_list("pk", flat=True))
        )
    elif action == "post_remove":
        _delete_unused_tags([instance.pk] if reverse else pk_set)
    elif action == "post_clear":
        _delete_unused_tags(instance.__dict__.pop("_tags_before_clear", []))


def _delete_unused_tags(tag_ids) -> None:
    Tag.objects.filter(pk__in=tag_ids, contacts__isnull=True).delete()


@receiver(pre_delete, sender=Contact)
def contact_deleting(sender, instance, **kwargs):
    instance._tags_before_delete = list(instance.tags.values_list("pk", flat=True))
    instance._exchanges_before_delete = list(instance.exchanges.values_list("pk", flat=True))
    seal_exchanges(
        exchange_ids=instance._exchanges_before_delete, removed_contact_ids=[instance.pk]
    )


@receiver(post_delete, sender=Contact)
def contact_deleted(sender, instance, **kwargs):
    exchange_ids = instance.__dict__.pop("_exchanges_before_delete", [])
    Exchange.objects.filter(pk__in=exchange_ids).refresh_names_journalist()
    _delete_unused_tags(instance.__dict__.pop("_tags_before_delete", []))


@receiver(m2m_changed, sender=get_user_model().groups.through)
def user_groups_changed(sender, instance, action, reverse, **kwargs):
    # The roles kept on a user object (access.roles_of) follow its own group changes.
    if not reverse and action.startswith("post_"):
        forget_roles(instance)
