"""Who left a shelter today: check-outs and moves away, in Japan time, for its staff and hq."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import HQ, event, make_token
from tests.households.test_records import register

URL = "/api/v1/shelters/{}/departures"


def post(client: TestClient, shelter_id: str, kind: str, code: str, at: str | None = None) -> None:
    body = event(shelter_id, kind, pass_code=code, occurred_at=at)
    response = client.post("/api/v1/events", json=body, headers=HQ)
    assert response.status_code == 201, response.text


def test_check_outs_and_moves_away_with_japan_times(client: TestClient) -> None:
    """One checks out of S01, one moves to S02, one stays: two departures, +09:00 times."""
    left = register(client, {"name": "出る 人"})
    moved = register(client, {"name": "移る 人"}, {"name": "移る 子"})
    stays = register(client, {"name": "残る 人"})
    for household in (left, moved, stays):
        post(client, "S01", "check_in", household["pass_code"])
    post(client, "S01", "check_out", left["pass_code"])
    post(client, "S02", "check_in", moved["pass_code"])
    response = client.get(URL.format("S01"), headers=HQ)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert (data["households"], data["people"]) == (2, 3)
    (out, away) = data["entries"]
    assert (out["kind"], out["members"][0]["name"], out["people"]) == ("checked_out", "出る 人", 1)
    assert (away["kind"], away["to_shelter_id"], away["people"]) == ("moved", "S02", 2)
    assert out["at"].endswith("+09:00")
    assert client.get(URL.format("S02"), headers=HQ).json()["entries"] == []
    audit = client.get("/api/v1/audit", headers=HQ).json()
    assert any((e["action"], e["shelter_id"]) == ("roster", "S01") for e in audit)
    assert all("出る" not in str(e["detail"]) for e in audit)


def test_the_day_is_a_japan_day(client: TestClient) -> None:
    """23:30 JST yesterday is not today's; 00:30 JST today (15:30 UTC before) is."""
    late, early = register(client, {"name": "夜"}), register(client, {"name": "朝"})
    now = datetime.now(UTC) - timedelta(days=3)
    day = (now + timedelta(hours=9)).date()
    midnight_utc = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=9)
    for household, at in (
        (late, midnight_utc - timedelta(minutes=30)),
        (early, midnight_utc + timedelta(minutes=30)),
    ):
        code = household["pass_code"]
        post(client, "S01", "check_in", code, (at - timedelta(hours=1)).isoformat())
        post(client, "S01", "check_out", code, at.isoformat())
    data = client.get(URL.format("S01") + f"?date={day.isoformat()}", headers=HQ).json()
    assert [e["members"][0]["name"] for e in data["entries"]] == ["朝"]
    assert data["entries"][0]["at"].startswith(f"{day.isoformat()}T00:30:00")


def test_who_may_see_departures(client: TestClient) -> None:
    """S01's staff yes; S02's staff, a kiosk and nobody no; bad dates and shelters 4xx."""
    assert (
        client.get(
            URL.format("S01"), headers=make_token(client, role="staff", shelter_id="S01")
        ).status_code
        == 200
    )
    for headers in (
        make_token(client, role="staff", shelter_id="S02"),
        make_token(client, role="kiosk", shelter_id="S01"),
    ):
        assert client.get(URL.format("S01"), headers=headers).status_code == 403
    assert client.get(URL.format("S01")).status_code == 401
    assert client.get(URL.format("S01") + "?date=2026-13-01", headers=HQ).status_code == 422
    assert client.get(URL.format("NOPE"), headers=HQ).status_code == 404
