"""What every browser test shares: Debian's chromium launched by Playwright, and axe-core."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

from server.config import PROJECT_ROOT

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CODEMIRROR = PROJECT_ROOT / "server" / "static" / "vendor" / "codemirror" / "codemirror.js"
CHROMIUM = "/usr/bin/chromium"
# Headless and offline: no sandbox as root, no background requests to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _artifacts_folder() -> Path:
    chosen = os.environ.get("COOPKG_TEST_ARTIFACTS")
    return Path(chosen).resolve() if chosen else Path(tempfile.gettempdir()) / "coopkg-test-artifacts"


# Where browser tests leave screenshots and axe results: $COOPKG_TEST_ARTIFACTS, or
# coopkg-test-artifacts in the system's temporary folder (never the checkout).
ARTIFACTS = _artifacts_folder()


def missing() -> list[str]:
    """Return what the browser tests need and do not find, each with the command that installs it."""
    needs = []
    if shutil.which(CHROMIUM) is None:
        needs.append(f"chromium ({CHROMIUM}): apt-get install chromium")
    if find_spec("playwright") is None:
        needs.append("Playwright for Python: pip install -e '.[test]'")
    if not AXE.is_file():
        needs.append(f"axe-core ({AXE.relative_to(PROJECT_ROOT)}): make assets")
    if not CODEMIRROR.is_file():
        needs.append(f"the vendored CodeMirror ({CODEMIRROR.relative_to(PROJECT_ROOT)}): make assets")
    return needs


@contextmanager
def chromium() -> Iterator:
    """Yield Debian's chromium driven by Playwright (never a browser Playwright downloads)."""
    from playwright.sync_api import sync_playwright

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
