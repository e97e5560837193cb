"""Rosters: who is inside a shelter now, as JSON and as an Excel-safe CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import HQ, event, make_household, make_token

ROSTER = "/api/v1/shelters/{}/roster"
BOM = b"\xef\xbb\xbf"


def register(client: TestClient, *members: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/households", json={"members": list(members), **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def post_event(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/events", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def roster(client: TestClient, shelter_id: str, headers: dict[str, str] = HQ) -> dict[str, Any]:
    response = client.get(ROSTER.format(shelter_id), headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_household(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["household_id"]: entry for entry in body["entries"]}


def roster_csv(client: TestClient, shelter_id: str) -> list[dict[str, str]]:
    response = client.get(
        ROSTER.format(shelter_id), params={"format": "csv", "lang": "en"}, headers=HQ
    )
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def inside_s01(client: TestClient) -> dict[str, dict[str, Any]]:
    """Three households: one all in S01 (via a kiosk), one partly in, one never arrived."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    family = register(
        client,
        {
            "name": "芦北 花子",
            "name_kana": "あしきた はなこ",
            "birth_year": 1940,
            "needs": ["wheelchair", "elderly"],
        },
        {"name": "芦北 太郎", "birth_year": 1975},
        {"name": "芦北 陽菜", "birth_year": 2023, "needs": ["infant"]},
        pets=1,
        phone="0966-82-2511",
    )
    couple = register(client, {"name": "田浦 一郎"}, {"name": "田浦 二郎", "needs": ["allergy"]})
    absent = register(client, {"name": "佐敷 三郎"})
    post_event(client, kiosk, event("S01", pass_code=family["pass_code"]))
    post_event(client, HQ, event("S01", pass_code=couple["pass_code"], headcount=1))
    return {"family": family, "couple": couple, "absent": absent}


@pytest.mark.parametrize("reader", ["hq", "staff"])
def test_the_roster_lists_exactly_the_households_inside(
    client: TestClient, inside_s01: dict[str, dict[str, Any]], reader: str
) -> None:
    """hq and S01's staff see the two households inside S01 and not the one that never came."""
    headers = HQ if reader == "hq" else make_token(client, role="staff", shelter_id="S01")
    body = roster(client, "S01", headers)
    assert body["shelter_id"] == "S01"
    assert set(by_household(body)) == {
        inside_s01["family"]["household_id"],
        inside_s01["couple"]["household_id"],
    }
    assert (body["households"], body["people"]) == (2, 4)


def test_the_roster_gives_each_household_its_present_count(
    client: TestClient, inside_s01: dict[str, dict[str, Any]]
) -> None:
    """A household fully in shows present == size; one that sent a headcount shows that."""
    entries = by_household(roster(client, "S01"))
    family = entries[inside_s01["family"]["household_id"]]
    couple = entries[inside_s01["couple"]["household_id"]]
    assert (family["present"], family["size"]) == (3, 3)
    assert (couple["present"], couple["size"]) == (1, 2)


def test_the_roster_lists_members_with_their_needs_in_order(
    client: TestClient, inside_s01: dict[str, dict[str, Any]]
) -> None:
    """Each entry carries its members' names, kana, birth years and needs as registered."""
    family = by_household(roster(client, "S01"))[inside_s01["family"]["household_id"]]
    assert family["anonymous"] is False
    assert family["pass_code"] == inside_s01["family"]["pass_code"]
    assert [(m["name"], m["birth_year"], sorted(m["needs"])) for m in family["members"]] == [
        ("芦北 花子", 1940, ["elderly", "wheelchair"]),
        ("芦北 太郎", 1975, []),
        ("芦北 陽菜", 2023, ["infant"]),
    ]
    assert family["members"][0]["name_kana"] == "あしきた はなこ"
    assert (family["pets"], family["phone"]) == (1, "0966-82-2511")


def test_a_household_that_checked_out_is_gone_from_the_roster(
    client: TestClient, inside_s01: dict[str, dict[str, Any]]
) -> None:
    """After the family checks out of S01, only the other household remains listed."""
    post_event(client, HQ, event("S01", "check_out", pass_code=inside_s01["family"]["pass_code"]))
    body = roster(client, "S01")
    assert set(by_household(body)) == {inside_s01["couple"]["household_id"]}
    assert body["people"] == 1


def test_a_household_that_moved_is_listed_only_in_its_new_shelter(
    client: TestClient, inside_s01: dict[str, dict[str, Any]]
) -> None:
    """A check-in at S02 moves the family: S02's roster has it, S01's no longer does."""
    family_id = inside_s01["family"]["household_id"]
    result = post_event(client, HQ, event("S02", pass_code=inside_s01["family"]["pass_code"]))
    assert result["effect"] == "moved"
    assert family_id not in by_household(roster(client, "S01"))
    moved = by_household(roster(client, "S02"))
    assert set(moved) == {family_id}
    assert moved[family_id]["present"] == 3


def test_a_walk_in_group_is_listed_as_anonymous_with_no_members(client: TestClient) -> None:
    """A check-in without a pass and headcount 2 is an anonymous entry of 2 with no members."""
    result = post_event(client, HQ, event("S01", headcount=2))
    (entry,) = roster(client, "S01")["entries"]
    assert entry["anonymous"] is True
    assert entry["members"] == []
    assert (entry["present"], entry["size"]) == (2, 2)
    assert entry["pass_code"] == result["pass_code"]


def test_an_empty_shelter_has_an_empty_roster(client: TestClient) -> None:
    """A shelter nobody is in answers 200 with no entries."""
    make_household(client)
    body = roster(client, "S03")
    assert (body["entries"], body["households"], body["people"]) == ([], 0, 0)


def test_the_csv_roster_is_text_csv_starting_with_the_utf8_bom(
    client: TestClient, inside_s01: dict[str, dict[str, Any]]
) -> None:
    """?format=csv answers text/csv whose first bytes are EF BB BF, so Excel reads UTF-8."""
    response = client.get(ROSTER.format("S01"), params={"format": "csv"}, headers=HQ)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "text/csv"
    assert response.content.startswith(BOM)
    assert not response.content[3:].startswith(BOM)


def test_the_csv_roster_has_one_row_per_member(
    client: TestClient, inside_s01: dict[str, dict[str, Any]]
) -> None:
    """The CSV parses with the csv module into one row for each of the five members inside."""
    rows = roster_csv(client, "S01")
    assert sorted(row["name"] for row in rows) == sorted(
        ["芦北 花子", "芦北 太郎", "芦北 陽菜", "田浦 一郎", "田浦 二郎"]
    )
    family_id = inside_s01["family"]["household_id"]
    first = next(row for row in rows if row["name"] == "芦北 花子")
    assert first["household_id"] == family_id
    assert set(first["needs"].split()) == {"wheelchair", "elderly"}


def test_the_csv_roster_lists_a_walk_in_group_in_one_row(client: TestClient) -> None:
    """An anonymous group, having no members, still gets a row with its headcount."""
    post_event(client, HQ, event("S01", headcount=2))
    (row,) = roster_csv(client, "S01")
    assert row["present"] == "2"


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x.example","x")', "=1+1", "+1+1", "@SUM(A1)"])
def test_a_formula_looking_name_is_neutralised_in_the_csv(client: TestClient, name: str) -> None:
    """A member name starting with = (or + @) cannot run as an Excel formula in the CSV."""
    household = register(client, {"name": name})
    post_event(client, HQ, event("S01", pass_code=household["pass_code"]))
    (row,) = roster_csv(client, "S01")
    assert row["name"][:1] not in ("=", "+", "-", "@")
    assert name in row["name"]


def test_a_formula_looking_name_is_kept_as_is_in_the_json_roster(client: TestClient) -> None:
    """The escaping is only for CSV: JSON keeps the name exactly as registered."""
    household = register(client, {"name": "=1+1"})
    post_event(client, HQ, event("S01", pass_code=household["pass_code"]))
    (entry,) = roster(client, "S01")["entries"]
    assert entry["members"][0]["name"] == "=1+1"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_roster_answers_are_never_cached(
    client: TestClient, inside_s01: dict[str, dict[str, Any]], fmt: str
) -> None:
    """Both roster formats carry Cache-Control: no-store (they hold personal data)."""
    response = client.get(ROSTER.format("S01"), params={"format": fmt}, headers=HQ)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_the_roster_of_an_unknown_shelter_is_404_for_hq(client: TestClient) -> None:
    """hq asking for a shelter that does not exist gets 404 with a JSON reason."""
    response = client.get(ROSTER.format("S99"), headers=HQ)
    assert response.status_code == 404
    assert response.json()["detail"]
