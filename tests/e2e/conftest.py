"""Browser tests: Playwright driving Debian's chromium against a real `shelter serve`.

Without chromium they skip and say how to install it; in CI (CI=true) they must run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN
from tests.server import Server, serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[1] / "artifacts"

# Flags that keep a headless Chromium inside this machine (no background calls out).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = "chromium is not installed: run `sudo apt-get install chromium` to run browser tests"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# Module scope: Playwright's sync API keeps an event loop in this thread while it runs,
# which later asyncio.run() calls in other test modules must not find.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


def launch(playwright: Any, *extra_args: str) -> Any:
    """Debian's chromium, headless, kept inside this machine."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
    )


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    instance = launch(playwright)
    yield instance
    instance.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Server]:
    """A real server on a fresh SQLite file, with the test admin token."""
    with serve(tmp_path / "e2e.db", env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server:
        yield server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop page with the service's CSP in force."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Any]:
    """A phone-sized page that may inject axe-core (our CSP would rightly block it)."""
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 844}, bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot to tests/artifacts/ (look at it: it is what a person sees)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[Any]:
    """Run axe-core (from npm, served from disk, never a CDN) against WCAG 2.2 AA."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    return [v for v in result["violations"] if v["impact"] in impacts]
