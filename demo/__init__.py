"""The demo app: a believable, reproducible demo network for ``python manage.py seed_demo``.

It may use every other app (it writes contacts, events and signals); none uses it.
``network`` holds the service (``seed_demo_network``); the other modules build one part
each.
"""
