"""GET /api/v1/occupancy/flows: arrivals, departures and the trend, hour by hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import HQ, event, make_household


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def test_flows_count_arrivals_and_departures_in_the_hour_they_happened(
    client: TestClient,
) -> None:
    """Three arrive three hours ago, one leaves an hour ago: the buckets and trend agree."""
    household = make_household(client, size=3)
    code = household["pass_code"]
    client.post(
        "/api/v1/events", json=event("S01", pass_code=code, occurred_at=hours_ago(3)), headers=HQ
    )
    client.post(
        "/api/v1/events",
        json=event("S01", "check_out", pass_code=code, headcount=1, occurred_at=hours_ago(1)),
        headers=HQ,
    )
    body = client.get("/api/v1/occupancy/flows?hours=6").json()
    assert len(body["hours"]) == 6
    s01 = body["shelters"]["S01"]
    assert sum(s01["arrivals"]) == 3 and sum(s01["departures"]) == 1
    assert s01["arrivals"].index(3) < s01["departures"].index(1)
    assert s01["occupancy"][-1] == 2
    assert max(s01["occupancy"]) == 3
    assert s01["occupancy"][0] == 0


def test_a_move_is_a_departure_from_one_shelter_and_an_arrival_at_the_other(
    client: TestClient,
) -> None:
    """Flows follow the counts: the shelter left loses the people the other gains."""
    household = make_household(client, size=2)
    client.post("/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=HQ)
    client.post("/api/v1/events", json=event("S02", pass_code=household["pass_code"]), headers=HQ)
    shelters = client.get("/api/v1/occupancy/flows?hours=1").json()["shelters"]
    assert (shelters["S01"]["arrivals"], shelters["S01"]["departures"]) == ([2], [2])
    assert (shelters["S02"]["arrivals"], shelters["S02"]["departures"]) == ([2], [0])


def test_flows_hours_are_bounded(client: TestClient) -> None:
    """hours must be 1 to 336 (two weeks)."""
    assert client.get("/api/v1/occupancy/flows?hours=0").status_code == 422
    assert client.get("/api/v1/occupancy/flows?hours=337").status_code == 422
