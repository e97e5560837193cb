"""The supplies estimate: hand-counted people, meals, water and care counts; rates as settings."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from shelter.app import create_app
from shelter.config import Settings
from shelter.reports.daily import today
from tests.conftest import ADMIN, HQ, event, make_token, occupancy_of

THIS_YEAR = today().year


def register(client: TestClient, members: list[dict[str, Any]], pets: int = 0) -> str:
    response = client.post("/api/v1/households", json={"members": members, "pets": pets})
    assert response.status_code == 201, response.text
    code: str = response.json()["pass_code"]
    return code


def post(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/api/v1/events", json=body, headers=HQ)
    assert response.status_code == 201, response.text


def people_at_shelters(client: TestClient) -> None:
    """S01: A (3: born 1950; allergy; a baby born last year; 2 pets) and one of B (2: medical
    care; infant ticked). S02: a walk-in group of 4. Someone who left counts nowhere."""
    a = register(
        client,
        [
            {"name": "甲 一", "birth_year": 1950},
            {"name": "甲 二", "birth_year": 1985, "needs": ["allergy"]},
            {"name": "甲 三", "birth_year": THIS_YEAR - 1},
        ],
        pets=2,
    )
    b = register(
        client,
        [
            {"name": "乙 一", "birth_year": 1970, "needs": ["medical_care"]},
            {"name": "乙 二", "needs": ["infant"]},
        ],
    )
    gone = register(client, [{"name": "丙 一", "birth_year": 1930, "needs": ["allergy"]}], pets=1)
    post(client, event("S01", pass_code=a))
    post(client, event("S01", pass_code=b, headcount=1))
    post(client, event("S02", headcount=4))
    post(client, event("S03", pass_code=gone))
    post(client, event("S03", "check_out", pass_code=gone))


def supply(people: int, **counts: int) -> dict[str, Any]:
    base = {"infants": 0, "allergies": 0, "elderly": 0, "medical_care": 0, "pets": 0}
    allergies = counts.get("allergies", 0)
    return {
        "people": people,
        "meals": 3 * people,
        "allergy_meals": 3 * allergies,
        "water_litres": 3.0 * people,
        **base,
        **counts,
    }


def test_supplies_match_a_hand_count(client: TestClient) -> None:
    """Three meals and 3 L a person a day; infants, allergies, elderly, medical care and
    pets from members' needs and years of birth (a partly present household's needs count)."""
    people_at_shelters(client)
    response = client.get("/api/v1/supplies", headers=HQ)
    assert response.status_code == 200, response.text
    body = response.json()
    shelters = {s["id"]: s for s in body["shelters"]}
    s01 = supply(4, infants=2, allergies=1, elderly=1, medical_care=1, pets=2)
    assert shelters["S01"]["inside"] == s01 == shelters["S01"]["total"]
    assert shelters["S02"]["inside"] == supply(4)
    assert shelters["S03"]["total"] == supply(0)
    for shelter in shelters.values():
        assert shelter["outside"] == supply(0)  # everyone here checked in to stay inside
        assert shelter["inside"]["people"] == occupancy_of(client, shelter["id"])
    total = supply(8, infants=2, allergies=1, elderly=1, medical_care=1, pets=2)
    assert body["total"]["total"] == body["total"]["inside"] == total
    assert body["rates"] == {
        "meals_per_day": 3.0,
        "water_litres_per_day": 3.0,
        "elderly_age": 65,
        "infant_age_below": 3,
    }


def test_the_rates_are_settings(database_url: str) -> None:
    """Other rates and ages: meals rounded up, water in litres, elderly from 75."""
    settings = Settings(
        database_url=database_url,
        admin_token=ADMIN,
        supply_meals_per_day=2.5,
        supply_water_litres_per_day=2.0,
        elderly_age=75,
    )
    with TestClient(create_app(settings)) as client:
        people_at_shelters(client)
        s01 = next(
            s
            for s in client.get("/api/v1/supplies", headers=HQ).json()["shelters"]
            if s["id"] == "S01"
        )["inside"]
    assert (s01["meals"], s01["allergy_meals"], s01["water_litres"]) == (10, 3, 8.0)
    assert s01["elderly"] == 1  # born 1950 is 75 or 76 this year


def test_the_csv_opens_in_excel_with_japanese_headers(client: TestClient) -> None:
    """UTF-8 with BOM; inside, outside and both per shelter, then the totals; English too."""
    people_at_shelters(client)
    response = client.get("/api/v1/supplies.csv", headers=HQ)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["避難所ID", "避難所名", "区分", "人数"]
    assert "飲料水（L/日）" in rows[0]
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    s01 = [r for r in body if r["避難所ID"] == "S01"]
    assert [r["区分"] for r in s01] == ["屋内", "屋外（車中・テント・自宅）", "計"]
    assert s01[0]["人数"] == "4" and s01[0]["乳幼児"] == "2"
    total = [r for r in body if r["避難所ID"] == "合計"]
    assert total[2]["人数"] == "8" and total[2]["食数（1日）"] == "24"
    english = client.get("/api/v1/supplies.csv?lang=en", headers=HQ).content.decode("utf-8-sig")
    assert english.startswith("shelter_id,name,side,people,meals_per_day")


def test_only_hq_sees_supplies(client: TestClient) -> None:
    """No token: 401; a shelter's staff: 403."""
    assert client.get("/api/v1/supplies").status_code == 401
    staff = make_token(client, role="staff", shelter_id="S01")
    assert client.get("/api/v1/supplies.csv", headers=staff).status_code == 403


def test_people_outside_are_supplied_apart(client: TestClient) -> None:
    """A household of 2 in its car at S04 (one a baby): outside, never inside; in the totals."""
    code = register(
        client, [{"name": "丁 一", "birth_year": 1980}, {"name": "丁 二", "birth_year": THIS_YEAR}]
    )
    response = client.post(
        "/api/v1/events", json={**event("S04", pass_code=code), "stay": "car"}, headers=HQ
    )
    assert response.status_code == 201, response.text
    body = client.get("/api/v1/supplies", headers=HQ).json()
    s04 = next(s for s in body["shelters"] if s["id"] == "S04")
    assert s04["inside"] == supply(0)
    assert s04["outside"] == s04["total"] == supply(2, infants=1)
    assert body["total"]["outside"] == supply(2, infants=1)
