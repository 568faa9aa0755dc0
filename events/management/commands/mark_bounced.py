"""Record that mail to an address bounced (reported by the mail server, outside Track II);
the guest list then shows the invitation as bounced, to be sent again to a new address."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils import timezone

from events import mail
from events.models import Event


class Command(BaseCommand):
    help = "Mark the e-mails sent to an address as bounced."

    def add_arguments(self, parser):
        parser.add_argument("address", help="The address that bounced.")
        parser.add_argument("--event", type=int, help="Only the messages about this event (id).")

    def handle(self, *args, address, event=None, **options):
        try:
            validate_email(address)
        except ValidationError as error:
            raise CommandError(f"Not an e-mail address: {address}") from error
        scope = None
        if event is not None:
            scope = Event.objects.filter(pk=event).first()
            if scope is None:
                raise CommandError(f"No event #{event}.")
        marked = mail.mark_bounced(address=address, event=scope, now=timezone.now())
        self.stdout.write(f"Marked {marked} message(s) to {address} as bounced.")
