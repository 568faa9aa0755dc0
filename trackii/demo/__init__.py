"""A believable, reproducible demo network for ``python manage.py seed_demo``.

It lives in ``trackii`` because it writes both apps (events depend on contacts, never the
reverse). ``network`` holds the service; the other modules build one part each.
"""

from trackii.demo.network import DEFAULT_SEED, DemoSummary, seed_demo_network

__all__ = ["DEFAULT_SEED", "DemoSummary", "seed_demo_network"]
