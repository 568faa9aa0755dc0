"""Create the test identity provider's client (Track II) and users, before it starts."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Register Track II as a confidential client and create the provider's users."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", required=True)
        parser.add_argument(
            "--user", action="append", default=[], help="username:password (repeatable)"
        )

    def handle(self, *args, client_id, client_secret, redirect_uri, user, **options):
        Application.objects.create(
            name="Track II",
            client_id=client_id,
            client_secret=client_secret,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=redirect_uri,
            algorithm=Application.RS256_ALGORITHM,
            # No consent page: the organisation's provider has approved Track II.
            skip_authorization=True,
        )
        for entry in user:
            username, _, password = entry.partition(":")
            get_user_model().objects.create_user(username=username, password=password)
        self.stdout.write(f"client {client_id} and {len(user)} user(s) created")
