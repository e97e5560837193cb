"""Who left today as CSV: the roster CSV's rules (Japanese by default, ?lang=en, +09:00)."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.conftest import HQ, make_token
from tests.households.test_departures import post
from tests.households.test_records import register

URL = "/api/v1/shelters/S01/departures"


def rows(client: TestClient, query: str, headers: dict[str, str]) -> list[dict[str, str]]:
    response = client.get(URL + query, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    assert "departures-S01-" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_departures_csv_is_japanese_by_default_with_japan_times(client: TestClient) -> None:
    """A check-out of two (one row each) and a move to S02: Japanese headers, kinds, needs."""
    left = register(client, {"name": "出口 一", "needs": ["wheelchair"]}, {"name": "出口 二"})
    moved = register(client, {"name": "=移動 三"})
    for household in (left, moved):
        post(client, "S01", "check_in", household["pass_code"])
    post(client, "S01", "check_out", left["pass_code"])
    post(client, "S02", "check_in", moved["pass_code"])
    staff = make_token(client, role="staff", shelter_id="S01")
    table = rows(client, "?format=csv", staff)
    assert [r["名前"] for r in table] == ["出口 一", "出口 二", "'=移動 三"]
    assert [r["種別"] for r in table] == ["退所", "退所", "移動"]
    assert table[0]["配慮が必要なこと"] == "車いす"
    assert (table[2]["移動先"], table[0]["出た人数"]) == ("S02", "2")
    assert all(r["時刻"].endswith("+09:00") for r in table)
    audit = client.get("/api/v1/audit?action=roster", headers=HQ).json()
    assert "departures" in audit[0]["detail"] and "csv" in audit[0]["detail"]
    assert "出口" not in audit[0]["detail"]


def test_departures_csv_in_english_and_for_erased_households(client: TestClient) -> None:
    """?lang=en: English headers, kinds and need codes; an erased household says so."""
    gone = register(client, {"name": "消 える", "needs": ["allergy"]})
    post(client, "S01", "check_in", gone["pass_code"])
    post(client, "S01", "check_out", gone["pass_code"])
    (row,) = rows(client, "?format=csv&lang=en", HQ)
    assert (row["name"], row["kind"], row["needs"]) == ("消 える", "checked_out", "allergy")
    response = client.delete(f"/api/v1/households/{gone['household_id']}", headers=HQ)
    assert response.status_code == 204, response.text
    (row,) = rows(client, "?format=csv&lang=en", HQ)
    assert (row["name"], row["needs"], row["household_id"]) == (
        "(erased)",
        "",
        gone["household_id"],
    )
    assert rows(client, "?format=csv", HQ)[0]["名前"] == "(消去済み)"


def test_departures_csv_is_refused_to_other_shelters_staff(client: TestClient) -> None:
    """Staff of S02 get 403 for S01's departures CSV; a bad format is 422."""
    s02 = make_token(client, role="staff", shelter_id="S02")
    assert client.get(URL + "?format=csv", headers=s02).status_code == 403
    assert client.get(URL + "?format=xml", headers=HQ).status_code == 422
