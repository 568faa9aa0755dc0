"""Signals the contacts app sends, so that the apps built on it act without it knowing them.

``contacts_written_in_bulk``: many contacts were written at once (an import's rows, or its
revert), committed or about to be; ``batch`` is the ``ImportBatch``. The indicators read
the network-health figures they keep over the contacts again at once on it, rather than
at their next scheduled run (``indicators.receivers``).
"""

from django.dispatch import Signal

contacts_written_in_bulk = Signal()
