"""Logs: JSON lines with request ids, and never a token, a pass code or a name."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import ADMIN, HQ
from tests.server import serve


def test_logs_are_json_with_request_ids_and_hold_no_secrets_or_personal_data(
    tmp_path: Path,
) -> None:
    """A real server's log after registrations, check-ins and lookups leaks nothing."""
    name, phone = "芦北 秘密子", "0966-00-1234"
    with (
        serve(
            tmp_path / "logs.db", env={"SHELTER_ADMIN_TOKEN": ADMIN}, args=["--log-level", "info"]
        ) as server,
        httpx.Client(base_url=server.base) as http,
    ):
        created = http.post(
            "/api/v1/households", json={"members": [{"name": name}], "phone": phone}
        ).json()
        code = created["pass_code"]
        kiosk = http.post(
            "/api/v1/tokens", json={"role": "kiosk", "shelter_id": "S01"}, headers=HQ
        ).json()["token"]
        answered = http.post(
            "/api/v1/events",
            json={
                "event_id": "6f1c8f2e-2b9e-4a53-a4f5-0b6b1c9f3a10",
                "shelter_id": "S01",
                "kind": "check_in",
                "pass_code": code,
            },
            headers={
                "Authorization": f"Bearer {kiosk}",
                "X-Request-ID": "1f0e6a2b5c3d4e8f9a0b1c2d3e4f5a6b",
            },
        )
        assert answered.headers["X-Request-ID"] == "1f0e6a2b5c3d4e8f9a0b1c2d3e4f5a6b"
        http.get(f"/api/v1/passes/{code}.png")
        http.get("/api/v1/shelters/S01/roster?format=csv", headers=HQ)
        http.post("/api/v1/events", json={"bad": name}, headers={"Authorization": "Bearer nope"})
    log = server.stderr
    for secret in (ADMIN, kiosk, code, name, phone):
        assert secret not in log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "shelter.access"]
    assert {"/api/v1/events", "/api/v1/passes/{pass_code}.png"} <= {a["route"] for a in access}
    assert all(a["request_id"] for a in access)
    assert any(
        a["request_id"] == "1f0e6a2b5c3d4e8f9a0b1c2d3e4f5a6b" and a["status"] == 201 for a in access
    )
