"""Bodies are bounded before they are read: 413 at once, nothing stored, memory kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN, HQ
from tests.server import serve


def big_registration(megabytes: int) -> bytes:
    name = "芦" * (megabytes * 1024 * 1024 // 3)
    return json.dumps({"members": [{"name": name}]}).encode()


def test_a_body_that_says_it_is_too_large_is_refused_unread(client: TestClient) -> None:
    """2 MiB declared (the bound is 1 MiB): 413 with the error shape, nothing registered."""
    before = client.get("/api/v1/needs", headers=HQ).json()
    response = client.post(
        "/api/v1/households",
        content=big_registration(2),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert client.get("/api/v1/needs", headers=HQ).json()["shelters"] == before["shelters"]


def test_a_chunked_body_is_refused_once_it_passes_the_bound(client: TestClient) -> None:
    """No Content-Length: counted as it streams, refused past 1 MiB."""

    def chunks() -> Iterator[bytes]:
        body = big_registration(3)
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = client.post(
        "/api/v1/households", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_an_import_may_be_larger_than_a_json_body_but_not_unbounded(client: TestClient) -> None:
    """A 2 MiB CSV is read (and found to be no shelter list); 11 MiB is refused unread."""
    header = "ID,名称,緯度,経度\n".encode()
    two = client.post(
        "/api/v1/shelters/import",
        content=header + b"x" * (2 * 1024 * 1024),
        headers={**HQ, "Content-Type": "text/csv"},
    )
    assert two.status_code != 413
    eleven = client.post(
        "/api/v1/shelters/import",
        content=header + b"x" * (11 * 1024 * 1024),
        headers={**HQ, "Content-Type": "text/csv"},
    )
    assert eleven.status_code == 413


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_a_200_mb_registration_does_not_grow_the_server(tmp_path: Path) -> None:
    """The case that used to cost ~380 MB: the real server stays within a few MB."""
    with serve(tmp_path / "b.db", env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server:
        before = rss_kib(server.process.pid)

        def flood() -> Iterator[bytes]:
            yield b'{"members": [{"name": "'
            for _ in range(200):
                yield b"a" * (1024 * 1024)
            yield b'"}]}'

        try:
            response = httpx.post(
                f"{server.base}/api/v1/households",
                content=flood(),
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
            assert response.status_code == 413
        except httpx.TransportError:
            pass  # the server answered 413 and closed while the client was still sending
        grown = rss_kib(server.process.pid) - before
        assert grown < 30 * 1024, f"the server grew by {grown // 1024} MB"
        assert httpx.get(f"{server.base}/healthz").status_code == 200
