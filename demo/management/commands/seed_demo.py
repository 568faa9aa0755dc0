"""Fill Track II with the demo network once; a second run changes nothing."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo.network import DEFAULT_SEED, seed_demo_network


class Command(BaseCommand):
    help = "Create a believable, reproducible demo network (once; a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (default %(default)s)."
        )

    def handle(self, *args, seed, **options):
        summary = seed_demo_network(now=timezone.now(), seed=seed)
        if summary.created:
            self.stdout.write(self.style.SUCCESS("Seeded the demo network:"))
        else:
            self.stdout.write("The demo network is already seeded; nothing changed.")
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name:<16} {count:>6}")
