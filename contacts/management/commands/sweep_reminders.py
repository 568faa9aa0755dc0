"""Run the reminder sweep once, synchronously."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from contacts import services


class Command(BaseCommand):
    help = "Create due channel and follow-up reminders and bring snoozed ones back, once."

    def handle(self, *args, **options):
        result = services.sweep_reminders(now=timezone.now())
        self.stdout.write(
            f"Reopened {result.reopened} snoozed, created {result.channel_due} channel_due "
            f"and {result.follow_ups} follow_up reminders."
        )
