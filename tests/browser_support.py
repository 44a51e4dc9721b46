"""What every browser test shares: Debian's chromium launched by Playwright, and axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, sync_playwright

from server.config import PROJECT_ROOT

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
# Headless and offline: no sandbox as root, no background requests to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Yield Debian's chromium driven by Playwright (never a browser Playwright downloads)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def inject_axe(page: Page) -> None:
    """Load axe-core into `page` through the browser's debugging protocol: a <script> tag would be
    an inline script, which the site's Content-Security-Policy rightly blocks."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
