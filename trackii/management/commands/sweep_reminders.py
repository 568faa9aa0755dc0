"""Run the reminder sweeps once, synchronously: channels and follow-ups, then events."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from contacts import services as contact_services
from events import services as event_services


class Command(BaseCommand):
    help = "Create due channel, follow-up and event reminders and bring snoozed ones back, once."

    def handle(self, *args, **options):
        now = timezone.now()
        result = contact_services.sweep_reminders(now=now)
        events = event_services.sweep_event_reminders(now=now)
        self.stdout.write(
            f"Reopened {result.reopened} snoozed, created {result.channel_due} channel_due "
            f"and {result.follow_ups} follow_up reminders; {events.rsvp_chase} rsvp_chase, "
            f"{events.event_prep} event_prep and {events.event_follow_up} event_follow_up."
        )
