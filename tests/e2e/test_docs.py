"""/docs (and /redoc) on a shelter's own network: everything from this service, under a CSP."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import screenshot
from tests.server import Server


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_render_with_nothing_from_outside(
    page: Any, live_server: Server, path: str
) -> None:
    """The page draws the API's operations; every request stays on this origin, and the
    CSP is never broken."""
    origin = urlsplit(live_server.base).netloc
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if urlsplit(request.url).netloc not in (origin, "")
            and not request.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live_server.base + path)
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    assert "/api/v1/events" in page.content()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert outside == [] and problems == []
    screenshot(page, f"api{path.replace('/', '-')}")


def test_the_docs_pages_carry_a_csp(live_server: Server) -> None:
    """The page says where scripts may come from: this service only (and /redoc is it)."""
    answer = httpx.get(live_server.base + "/redoc", follow_redirects=True)
    assert answer.url.path == "/docs"
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "default-src 'self'" in csp
