"""Real-browser tests: Playwright for Python driving Debian's Chromium against live_server.

The browser is Debian's package at /usr/bin/chromium (``.ci/run`` installs it; locally
``apt-get install chromium``); Playwright never downloads one. A missing browser stops the
run loudly, like a missing PostgreSQL or Redis: these tests are never skipped.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Offline machine: nothing but the package mirrors, so no update checks, sync or telemetry.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the browser tests, stopped when they are done.

    Playwright's sync API keeps an asyncio loop running on the main thread from start() to
    stop(), so Django would refuse the tests' own ORM calls (factories, assertions, the
    transactional flush) with SynchronousOnlyOperation. Those calls are synchronous; the live
    server answers from its own thread. DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that
    window, so the rest of the suite keeps Django's guard.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.exit(
            f"\n\nTrack II browser tests cannot run: {CHROMIUM} is missing. Install Debian's "
            "package (apt-get install chromium); .ci/run does. Never `playwright install`.\n",
            returncode=3,
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:
            playwright.stop()
            pytest.exit(
                f"\n\nTrack II browser tests cannot start {CHROMIUM}: {error}\n", returncode=3
            )
        yield browser
        browser.close()
        playwright.stop()


@pytest.fixture
def new_context(browser, live_server):
    """Make fresh browser contexts (no cookies) on the live server; all closed afterwards."""
    contexts = []

    def make(viewport=DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh 1280 x 900 context, signed out."""
    return new_context().new_page()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
