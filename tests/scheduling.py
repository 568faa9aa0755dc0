"""The longest tests first, so that the suite's two processes finish together.

pytest-xdist hands tests out in collection order, and ``tests/trackii`` (the operator's
outage test, the embedded default's processes) comes last: a worker that drew them at the
end ran alone for a minute while the other had finished. These modules, the longest by
``--durations``, are collected first (in this order, each kept whole so that a module's
fixtures are built once per process); everything else keeps pytest's order.
"""

LONGEST_FIRST = [
    "tests/security/test_differential.py",
    "tests/trackii/test_operator_health.py",
    "tests/demo/test_seed_demo.py",
    "tests/trackii/test_settings.py",
    "tests/contacts/test_tasks.py",
    "tests/e2e/test_import_merge_journey.py",
    "tests/trackii/test_no_dead_buttons.py",
    "tests/e2e/test_imports_browser.py",
    "tests/e2e/test_journeys.py",
    "tests/e2e/test_i18n.py",
    "tests/e2e/test_mfa.py",
    "tests/e2e/test_accessibility.py",
]


def pytest_collection_modifyitems(config, items):
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    last = len(LONGEST_FIRST)
    # sorted() is stable: the order within a module, and of the other modules, is kept.
    items[:] = sorted(items, key=lambda item: rank.get(item.nodeid.split("::")[0], last))
