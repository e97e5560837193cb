"""Merging two records that list the same person: nobody is listed or counted twice."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from shelter.db import Database
from tests.conftest import HQ, occupancy_of
from tests.households.test_records import RECORD, assert_counts_exact, check_in, record, register


def merge(client: TestClient, into: str, other: str, same: list[dict[str, int]]) -> Any:
    return client.post(
        RECORD.format(into) + "/merge",
        json={"from_household_id": other, "same": same},
        headers=HQ,
    )


def family(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A family of three checked in at S01, and a duplicate record of its mother, also in."""
    kept = register(
        client,
        {"name": "芦北 花子", "needs": ["elderly"]},
        {"name": "芦北 一郎"},
        {"name": "芦北 次郎"},
        consent_safety_info=True,
    )
    again = register(
        client,
        {
            "name": "芦北 花子",
            "name_kana": "あしきた はなこ",
            "birth_year": 1948,
            "needs": ["wheelchair"],
        },
        consent_safety_info=True,
    )
    check_in(client, "S01", kept["pass_code"])
    check_in(client, "S01", again["pass_code"])
    return kept, again


def test_a_matched_member_is_listed_and_counted_once(client: TestClient, db: Database) -> None:
    """A duplicate record of the mother merged into her family of 3: still 3, details joined."""
    kept, again = family(client)
    assert occupancy_of(client, "S01") == 4
    response = merge(client, kept["household_id"], again["household_id"], [{"from": 0, "into": 0}])
    assert response.status_code == 200, response.text
    merged = response.json()
    assert [m["name"] for m in merged["members"]] == ["芦北 花子", "芦北 一郎", "芦北 次郎"]
    mother = merged["members"][0]
    assert (mother["name_kana"], mother["birth_year"]) == ("あしきた はなこ", 1948)
    assert mother["needs"] == ["elderly", "wheelchair"]
    assert (merged["size"], merged["present"]) == (3, 3)
    assert merged["consent_safety_info"] is True
    assert occupancy_of(client, "S01") == 3
    assert record(client, again["household_id"])["members"] == []
    assert_counts_exact(db)


def test_without_a_match_the_members_add_up(client: TestClient, db: Database) -> None:
    """No mapping: the old behaviour, every member appended."""
    kept, again = family(client)
    response = merge(client, kept["household_id"], again["household_id"], [])
    assert response.status_code == 200, response.text
    assert response.json()["size"] == 4
    assert_counts_exact(db)


def test_consent_holds_only_if_every_record_gave_it(client: TestClient, db: Database) -> None:
    """The duplicate refused 安否 information: the merged household has no consent."""
    kept = register(client, {"name": "一"}, {"name": "二"}, consent_safety_info=True)
    again = register(client, {"name": "一"}, consent_safety_info=False)
    response = merge(client, kept["household_id"], again["household_id"], [{"from": 0, "into": 0}])
    assert response.status_code == 200, response.text
    assert (response.json()["size"], response.json()["consent_safety_info"]) == (2, False)


def test_a_bad_mapping_is_refused_and_changes_nothing(client: TestClient, db: Database) -> None:
    """Out-of-range or repeated indexes: 422, both records as they were."""
    kept, again = family(client)
    for same in (
        [{"from": 1, "into": 0}],
        [{"from": 0, "into": 3}],
        [{"from": 0, "into": 0}, {"from": 0, "into": 1}],
        [{"from": -1, "into": 0}],
        [{"from": 0}],
        [{"from": 0, "into": 0, "extra": 1}],
    ):
        response = merge(client, kept["household_id"], again["household_id"], same)
        assert response.status_code == 422, (same, response.text)
    assert record(client, kept["household_id"])["size"] == 3
    assert record(client, again["household_id"])["merged_into"] is None
    assert occupancy_of(client, "S01") == 4
    assert_counts_exact(db)
