"""Behind the proxy, 安否 inquiries are limited per forwarded address: one phone's searches
never use up another's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN
from tests.server import serve

pytestmark = pytest.mark.slow  # a real server process


def test_each_forwarded_address_has_its_own_inquiry_limit(tmp_path: Path) -> None:
    """The proxy (127.0.0.1, the default) forwards two phones: the first is refused on
    its third search, the second still gets its answer."""
    env = {"SHELTER_ADMIN_TOKEN": ADMIN, "SHELTER_RATE_SAFETY_INQUIRY": "2/minute"}
    body = {"name": "八代 四郎", "birth_year": 1960}

    def ask(base: str, address: str) -> int:
        url = f"{base}/api/v1/safety/inquiries"
        return httpx.post(url, json=body, headers={"X-Forwarded-For": address}).status_code

    with serve(tmp_path / "anpi.db", env=env) as server:
        first = [ask(server.base, "203.0.113.7") for _ in range(3)]
        second = ask(server.base, "203.0.113.8")
    assert first == [200, 200, 429]
    assert second == 200
