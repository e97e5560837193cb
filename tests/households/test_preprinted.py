"""Pre-printed passes: a blank pass handed to a walk-in, scanned in, details attached later."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from shelter.db import Database
from shelter.events import timeline
from shelter.events.timeline import Step
from shelter.tables import Event, Household
from tests.conftest import HQ, event, make_token, occupancy_of
from tests.households.test_records import assert_counts_exact, record


@pytest.fixture
def blank(client: TestClient, db: Database) -> Household:
    """One pre-printed pass from a sheet, not used yet."""
    response = client.post("/api/v1/passes/sheet", json={"count": 1}, headers=HQ)
    assert response.status_code == 201
    with db.reader() as session:
        return session.exec(select(Household).where(Household.origin == "preprinted")).one()


def scan(
    client: TestClient,
    code: str,
    kind: str = "check_in",
    headcount: int | None = None,
    shelter_id: str = "S01",
) -> dict[str, Any]:
    kiosk = make_token(client, role="kiosk", shelter_id=shelter_id)
    body = event(shelter_id, kind, pass_code=code, headcount=headcount)
    response = client.post("/api/v1/events", json=body, headers=kiosk)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_sheet_makes_blank_anonymous_households(blank: Household) -> None:
    """Each pass is a household with no members, anonymous, one person until used."""
    assert (blank.anonymous, blank.size, blank.present, blank.shelter_id) == (True, 1, 0, None)


def test_a_blank_pass_scanned_without_a_headcount_checks_in_one(
    client: TestClient, db: Database, blank: Household
) -> None:
    """No headcount: one person."""
    result = scan(client, blank.pass_code)
    assert (result["effect"], result["people"], result["household_size"]) == ("checked_in", 1, 1)
    assert occupancy_of(client, "S01") == 1
    assert_counts_exact(db)


def test_a_blank_pass_scanned_with_a_headcount_checks_in_that_many(
    client: TestClient, db: Database, blank: Household
) -> None:
    """A headcount of 4 on a blank pass is four people, not a refusal."""
    result = scan(client, blank.pass_code, headcount=4)
    assert (result["people"], result["household_size"]) == (4, 4)
    assert occupancy_of(client, "S01") == 4
    assert_counts_exact(db)


def test_growing_a_blank_pass_never_recounts_an_earlier_scan(
    client: TestClient, db: Database, blank: Household
) -> None:
    """One in, out, then four in: the first scan stays one person in the log's rebuild."""
    scan(client, blank.pass_code)
    scan(client, blank.pass_code, "check_out")
    assert occupancy_of(client, "S01") == 0
    assert scan(client, blank.pass_code, headcount=4)["people"] == 4
    assert occupancy_of(client, "S01") == 4
    assert_counts_exact(db)


def test_a_blank_pass_checks_out_whole_and_moves_like_any_pass(
    client: TestClient, db: Database, blank: Household
) -> None:
    """Three in at S01, moved to S02, then all out."""
    scan(client, blank.pass_code, headcount=3)
    assert scan(client, blank.pass_code, shelter_id="S02")["effect"] == "moved"
    assert (occupancy_of(client, "S01"), occupancy_of(client, "S02")) == (0, 3)
    assert scan(client, blank.pass_code, "check_out", shelter_id="S02")["people"] == 3
    assert_counts_exact(db)


def test_staff_attach_details_to_a_scanned_blank_pass(
    client: TestClient, db: Database, blank: Household
) -> None:
    """Staff of S01 fill in the walk-in's names; it is no longer anonymous and still counts 3."""
    scan(client, blank.pass_code, headcount=3)
    staff = make_token(client, role="staff", shelter_id="S01")
    response = client.put(
        f"/api/v1/households/{blank.id}",
        json={"members": [{"name": "水俣 花子", "needs": ["elderly"]}], "stay": "shelter"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["anonymous"], body["origin"], body["size"], body["present"]) == (
        False,
        "preprinted",
        3,
        3,
    )
    assert occupancy_of(client, "S01") == 3
    assert record(client, blank.id)["members"][0]["name"] == "水俣 花子"
    assert_counts_exact(db)


def test_once_details_are_attached_the_pass_no_longer_grows(
    client: TestClient, blank: Household
) -> None:
    """A pass with details is a registered household: a larger headcount is refused."""
    scan(client, blank.pass_code, headcount=2)
    client.put(
        f"/api/v1/households/{blank.id}",
        json={"members": [{"name": "一"}, {"name": "二"}]},
        headers=HQ,
    )
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    response = client.post(
        "/api/v1/events", json=event("S01", pass_code=blank.pass_code, headcount=5), headers=kiosk
    )
    assert response.status_code == 422


def test_a_scanned_blank_pass_is_on_the_roster_as_anonymous(
    client: TestClient, blank: Household
) -> None:
    """Before details are attached, staff see a row with the headcount and no members."""
    scan(client, blank.pass_code, headcount=2)
    staff = make_token(client, role="staff", shelter_id="S01")
    entries = client.get("/api/v1/shelters/S01/roster", headers=staff).json()["entries"]
    assert [(e["household_id"], e["anonymous"], e["present"], e["members"]) for e in entries] == [
        (blank.id, True, 2, [])
    ]


def test_a_blank_pass_merged_into_a_registration_checks_that_household_in(
    client: TestClient, db: Database, blank: Household
) -> None:
    """The walk-in had registered from home after all: merged, both passes are one household."""
    scan(client, blank.pass_code, headcount=2)
    home = client.post(
        "/api/v1/households",
        json={
            "members": [{"name": "芦北 花子"}, {"name": "芦北 太郎"}],
            "consent_safety_info": True,
        },
    ).json()
    response = client.post(
        f"/api/v1/households/{home['household_id']}/merge",
        json={"from_household_id": blank.id},
        headers=HQ,
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert (merged["size"], merged["present"], merged["shelter_id"]) == (2, 2, "S01")
    assert merged["consent_safety_info"] is True
    assert occupancy_of(client, "S01") == 2
    out = scan(client, home["pass_code"], "check_out")
    assert out["people"] == 2
    assert occupancy_of(client, "S01") == 0
    assert_counts_exact(db)


def test_a_blank_pass_that_grows_is_refolded_at_its_new_size(
    client: TestClient, db: Database, blank: Household
) -> None:
    """A scan that grows a blank pass refolds its earlier scans at the new size, even when
    it comes after all of them (where a registered household's scan just folds onto its
    presence): the stored presence stays what its history gives (found in review)."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    steps = [("check_in", 2), ("check_in", 2), ("check_out", 2), ("check_in", 3)]
    for minute, (kind, headcount) in enumerate(steps):
        body = event(
            "S01",
            kind,
            pass_code=blank.pass_code,
            headcount=headcount,
            occurred_at=f"2026-11-22T09:0{minute}:00+00:00",
        )
        response = client.post("/api/v1/events", json=body, headers=kiosk)
        assert response.status_code == 201, response.text
    with db.reader() as session:
        stored = session.get(Household, blank.id)
        assert stored is not None
        rows = session.exec(select(Event).where(Event.household_id == blank.id)).all()
        history = [
            Step(e.kind, e.shelter_id, e.headcount, e.occurred_at, e.event_id, e.stay) for e in rows
        ]
    folded = timeline.fold(history, size=stored.size)
    assert stored.size == 3
    assert (stored.shelter_id, stored.present, stored.since) == (
        folded.shelter_id,
        folded.people,
        folded.since,
    )
    assert_counts_exact(db)
