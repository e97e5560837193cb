"""X-Forwarded-For is believed only from the proxy (`shelter serve --forwarded-allow-ips`):
from anyone else it cannot dodge the per-address limits."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN
from tests.server import serve

pytestmark = pytest.mark.slow  # real server processes

ENV = {"SHELTER_ADMIN_TOKEN": ADMIN, "SHELTER_RATE_REGISTER": "3/minute"}


def register_as(base: str, address: str) -> int:
    body = {"members": [{"name": "芦北 花子"}]}
    headers = {"X-Forwarded-For": address}
    return httpx.post(f"{base}/api/v1/households", json=body, headers=headers).status_code


def test_a_client_that_is_not_the_proxy_cannot_pose_as_other_addresses(tmp_path: Path) -> None:
    """The proxy is elsewhere (10.9.9.9): our made-up addresses are ignored and the
    fourth registration from us is refused."""
    args = ["--forwarded-allow-ips", "10.9.9.9"]
    with serve(tmp_path / "p.db", env=ENV, args=args) as server:
        codes = [register_as(server.base, f"203.0.113.{n}") for n in range(4)]
    assert codes == [201, 201, 201, 429]


def test_behind_the_proxy_each_phone_is_its_own_address(tmp_path: Path) -> None:
    """We are the proxy (127.0.0.1, the default): the addresses it forwards count apart,
    so one family's registrations never use up another's."""
    with serve(tmp_path / "q.db", env=ENV) as server:
        codes = [register_as(server.base, f"203.0.113.{n}") for n in range(4)]
    assert codes == [201, 201, 201, 201]
