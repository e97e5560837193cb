"""ShelterStatus, levels, totals, the ETag and the open-data CSV."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from shelter.config import Settings
from shelter.occupancy.schemas import Level
from shelter.occupancy.service import distance_km, fullness
from tests.conftest import HQ, event, make_household

STATUS_FIELDS = {
    "id",
    "name",
    "name_en",
    "address",
    "lat",
    "lon",
    "capacity",
    "occupancy",
    "vacancy",
    "level",
    "open",
    "version",
    "updated_at",
    "forecast",
    # Spaces and outside (#16, #17)
    "spaces",
    "outside",
}


@pytest.mark.parametrize(
    ("occupancy", "is_open", "level"),
    [
        (0, True, Level.available),
        (49, True, Level.available),
        (50, True, Level.crowded),
        (79, True, Level.crowded),
        (80, True, Level.nearly_full),
        (99, True, Level.nearly_full),
        (100, True, Level.full),
        (150, True, Level.full),
        (10, False, Level.closed),
    ],
)
def test_levels_follow_the_default_bands(occupancy: int, is_open: bool, level: Level) -> None:
    """< 50 % available, < 80 % crowded, < 100 % nearly full, ≥ 100 % full, closed if shut."""
    assert (
        fullness(capacity=100, occupancy=occupancy, is_open=is_open, settings=Settings()).level
        is level
    )


def test_level_thresholds_are_settings() -> None:
    """A town can move the bands without touching code."""
    tight = Settings(level_available_below=0.3, level_crowded_below=0.6)
    assert fullness(capacity=100, occupancy=40, is_open=True, settings=tight).level is Level.crowded


def test_thresholds_out_of_order_are_refused() -> None:
    """Bands that do not ascend are a configuration error, caught at start."""
    with pytest.raises(ValueError, match="ascend"):
        Settings(level_available_below=0.9, level_crowded_below=0.5)


def test_a_shelter_with_no_capacity_is_full_once_anyone_is_in() -> None:
    """Capacity 0 never divides by zero."""
    assert (
        fullness(capacity=0, occupancy=0, is_open=True, settings=Settings()).level
        is Level.available
    )
    assert fullness(capacity=0, occupancy=1, is_open=True, settings=Settings()).level is Level.full


def test_distance_between_two_known_points() -> None:
    """Haversine: two points near Ashikita 0.087° and 0.093° apart are about 13 km apart."""
    assert 11 < distance_km(32.299, 130.493, 32.212, 130.400) < 14


def test_shelter_status_has_exactly_the_contract_fields(client: TestClient) -> None:
    """No personal data, no extra internals: the contract's fields and nothing else."""
    shelters = client.get("/api/v1/shelters").json()
    assert [s["id"] for s in shelters] == ["S01", "S02", "S03", "S04", "S05"]
    assert all(set(s) == STATUS_FIELDS for s in shelters)
    assert all(s["updated_at"].endswith("Z") for s in shelters)


def test_vacancy_never_goes_below_zero(client: TestClient) -> None:
    """An over-full shelter has vacancy 0 and level full."""
    client.patch("/api/v1/shelters/S05", json={"capacity": 1}, headers=HQ)
    household = make_household(client, size=3)
    client.post("/api/v1/events", json=event("S05", pass_code=household["pass_code"]), headers=HQ)
    shelter = client.get("/api/v1/shelters/S05").json()
    assert (shelter["occupancy"], shelter["vacancy"], shelter["level"]) == (3, 0, "full")


def test_occupancy_totals_add_up(client: TestClient) -> None:
    """Totals are the sums over open shelters' room and everyone inside."""
    household = make_household(client, size=4)
    client.post("/api/v1/events", json=event("S02", pass_code=household["pass_code"]), headers=HQ)
    body = client.get("/api/v1/occupancy").json()
    assert body["totals"] == {
        "capacity": 900,
        "occupancy": 4,
        "vacancy": 896,
        "over": 0,
        "in_closed": 0,
    }
    assert len(body["shelters"]) == 5


def test_totals_add_up_with_a_shelter_over_capacity_and_one_closed(client: TestClient) -> None:
    """occupancy = capacity - vacancy + over + in_closed, each of them shown (#14)."""
    client.patch("/api/v1/shelters/S05", json={"capacity": 2}, headers=HQ)
    household = make_household(client, size=5)
    client.post("/api/v1/events", json=event("S05", pass_code=household["pass_code"]), headers=HQ)
    inside = make_household(client, size=4)
    client.post("/api/v1/events", json=event("S04", pass_code=inside["pass_code"]), headers=HQ)
    client.patch("/api/v1/shelters/S04", json={"open": False}, headers=HQ)
    totals = client.get("/api/v1/occupancy").json()["totals"]
    assert totals["over"] == 3  # 5 in a shelter for 2
    assert totals["in_closed"] == 4
    assert totals["occupancy"] == 9
    assert totals["occupancy"] == (
        totals["capacity"] - totals["vacancy"] + totals["over"] + totals["in_closed"]
    )


def test_closed_shelters_offer_no_room_in_the_totals(client: TestClient) -> None:
    """Closing a shelter takes its capacity out of the totals."""
    client.patch("/api/v1/shelters/S05", json={"open": False}, headers=HQ)
    totals = client.get("/api/v1/occupancy").json()["totals"]
    assert (totals["capacity"], totals["vacancy"]) == (820, 820)
    assert client.get("/api/v1/shelters/S05").json()["level"] == "closed"


def test_unchanged_occupancy_answers_304_to_its_etag(client: TestClient) -> None:
    """Polling with If-None-Match costs nothing until a count changes."""
    first = client.get("/api/v1/occupancy")
    etag = first.headers["etag"]
    again = client.get("/api/v1/occupancy", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    household = make_household(client, size=1)
    client.post("/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=HQ)
    changed = client.get("/api/v1/occupancy", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_occupancy_csv_is_one_row_a_shelter(client: TestClient) -> None:
    """The open-data CSV has a header and the same numbers as the JSON."""
    response = client.get("/api/v1/occupancy.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == ["S01", "S02", "S03", "S04", "S05"]
    assert rows[0]["capacity"] == "300" and rows[0]["level"] == "available"


def test_unknown_shelter_is_404(client: TestClient) -> None:
    """GET of a shelter that does not exist is 404 with a message."""
    response = client.get("/api/v1/shelters/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_hq_creates_and_changes_shelters(client: TestClient) -> None:
    """POST makes a shelter (409 if the id exists); PATCH changes it and bumps its version."""
    body = {"id": "S06", "name": "臨時避難所", "lat": 32.3, "lon": 130.5, "capacity": 40}
    assert client.post("/api/v1/shelters", json=body, headers=HQ).status_code == 201
    assert client.post("/api/v1/shelters", json=body, headers=HQ).status_code == 409
    patched = client.patch(
        "/api/v1/shelters/S06", json={"capacity": 60, "name_en": "Temp"}, headers=HQ
    ).json()
    assert (patched["capacity"], patched["name_en"], patched["version"]) == (60, "Temp", 2)
    same = client.patch("/api/v1/shelters/S06", json={"capacity": 60}, headers=HQ).json()
    assert same["version"] == 2


def test_a_shelters_name_cannot_be_nulled(client: TestClient) -> None:
    """PATCH with name null is refused rather than leaving a nameless shelter."""
    response = client.patch("/api/v1/shelters/S01", json={"name": None}, headers=HQ)
    assert response.status_code == 422
    assert client.get("/api/v1/shelters/S01").json()["name"]


@pytest.mark.parametrize("occupancy", range(0, 130, 3))
@pytest.mark.parametrize("nearly_full_below", [0.85, 0.9, 1.0, 1.2])
def test_has_room_agrees_with_the_level_a_person_sees(
    occupancy: int, nearly_full_below: float
) -> None:
    """Whatever the thresholds: a shelter shown full or closed never has room, one shown
    otherwise always has a place left, and vacancy, over and capacity add up."""
    settings = Settings(level_nearly_full_below=nearly_full_below)
    for is_open in (True, False):
        full = fullness(capacity=100, occupancy=occupancy, is_open=is_open, settings=settings)
        assert full.has_room == (full.level not in (Level.full, Level.closed) and full.vacancy > 0)
        if full.level not in (Level.full, Level.closed):
            assert full.vacancy > 0
        assert 100 + full.over - full.vacancy == occupancy
        assert full.over_capacity == (occupancy > 100)


def test_occupancy_csv_never_hands_a_spreadsheet_a_formula(client: TestClient) -> None:
    """A shelter named or addressed like a formula is written as text (leading quote)."""
    body = {
        "id": "F01",
        "name": '=HYPERLINK("http://evil","click")',
        "name_en": "+1 shelter",
        "address": "@SUM(A1)",
        "lat": 32.3,
        "lon": 130.5,
        "capacity": 10,
    }
    assert client.post("/api/v1/shelters", json=body, headers=HQ).status_code == 201
    text = client.get("/api/v1/occupancy.csv").text
    row = next(line for line in text.splitlines() if line.startswith("F01,"))
    assert "'=HYPERLINK" in row and "'+1 shelter" in row and "'@SUM(A1)" in row
