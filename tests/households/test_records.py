"""One household's record: who may read and change it, corrections, merges and erasure."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from shelter.db import Database
from shelter.events import rebuild
from tests.conftest import HQ, event, make_household, make_token, occupancy_of

RECORD = "/api/v1/households/{}"


def register(client: TestClient, *members: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/households", json={"members": list(members), **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def check_in(
    client: TestClient, shelter_id: str, pass_code: str, headcount: int | None = None
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/events",
        json=event(shelter_id, pass_code=pass_code, headcount=headcount),
        headers=HQ,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def record(client: TestClient, household_id: str) -> dict[str, Any]:
    response = client.get(RECORD.format(household_id), headers=HQ)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_counts_exact(db: Database) -> None:
    """Live counts, the count-change ledger and a rebuild from the event log all agree."""
    with db.reader() as session:
        live = rebuild.live_counts(session)
        assert rebuild.rebuild(session) == live
        assert rebuild.ledger_counts(session) == live


def details(*names: str, **extra: Any) -> dict[str, Any]:
    return {"members": [{"name": name} for name in names], **extra}


@pytest.fixture
def in_s01(client: TestClient) -> dict[str, Any]:
    """A household of two, checked in at S01."""
    household = register(
        client,
        {"name": "芦北 花子", "name_kana": "あしきた はなこ", "needs": ["wheelchair"]},
        {"name": "芦北 太郎"},
        phone="0966-82-2511",
        stay="shelter",
        consent_safety_info=True,
    )
    check_in(client, "S01", household["pass_code"])
    return household


# -- access, role by role ------------------------------------------------------------------

ACCESS = [
    ("none", 401),
    ("kiosk_S01", 403),
    ("staff_S02", 403),
    ("staff_S01", 200),
    ("hq", 200),
]


def headers_for(client: TestClient, who: str) -> dict[str, str]:
    if who == "none":
        return {}
    if who == "hq":
        return HQ
    role, shelter_id = who.split("_")
    return make_token(client, role=role, shelter_id=shelter_id)


@pytest.mark.parametrize(("who", "status"), ACCESS)
def test_a_record_is_read_only_by_staff_of_its_shelter_and_hq(
    client: TestClient, in_s01: dict[str, Any], who: str, status: int
) -> None:
    """No token: 401; a kiosk or another shelter's staff: 403; S01's staff and hq: 200."""
    response = client.get(RECORD.format(in_s01["household_id"]), headers=headers_for(client, who))
    assert response.status_code == status, response.text
    if status == 200:
        assert [m["name"] for m in response.json()["members"]] == ["芦北 花子", "芦北 太郎"]
    else:
        assert "芦北" not in response.text


@pytest.mark.parametrize(("who", "status"), ACCESS)
def test_the_card_with_a_name_follows_the_same_rule(
    client: TestClient, in_s01: dict[str, Any], who: str, status: int
) -> None:
    """The named card is for S01's staff and hq only; everyone else is refused."""
    response = client.get(
        RECORD.format(in_s01["household_id"]) + "/card.png", headers=headers_for(client, who)
    )
    assert response.status_code == status
    if status == 200:
        assert response.headers["content-type"] == "image/png"


@pytest.mark.parametrize(("who", "status"), ACCESS)
def test_corrections_follow_the_same_rule(
    client: TestClient, in_s01: dict[str, Any], who: str, status: int
) -> None:
    """Only S01's staff and hq may replace the details; a refusal changes nothing."""
    response = client.put(
        RECORD.format(in_s01["household_id"]),
        json=details("芦北 花子", "芦北 太郎"),
        headers=headers_for(client, who),
    )
    assert response.status_code == status
    assert record(client, in_s01["household_id"])["phone"] == (
        None if status == 200 else "0966-82-2511"
    )


@pytest.mark.parametrize(("who", "status"), [*ACCESS[:4], ("hq", 204)])
def test_erasure_follows_the_same_rule(
    client: TestClient, in_s01: dict[str, Any], who: str, status: int
) -> None:
    """S01's staff (the person asked them at the door) and hq may erase; nobody else."""
    response = client.delete(
        RECORD.format(in_s01["household_id"]), headers=headers_for(client, who)
    )
    assert response.status_code == (204 if status == 200 else status)
    erased = record(client, in_s01["household_id"])["erased_at"] is not None
    assert erased is (status in (200, 204))


def test_staff_cannot_see_a_household_that_is_in_no_shelter(client: TestClient) -> None:
    """Registered from home and not arrived: only hq sees it, not even a shelter's staff."""
    household = make_household(client, size=1)
    staff = make_token(client, role="staff", shelter_id="S01")
    assert client.get(RECORD.format(household["household_id"]), headers=staff).status_code == 403
    assert client.get(RECORD.format(household["household_id"]), headers=HQ).status_code == 200


def test_staff_lose_sight_of_a_household_once_it_leaves(
    client: TestClient, in_s01: dict[str, Any]
) -> None:
    """After checking out (or moving on), S01's staff no longer see the record."""
    staff = make_token(client, role="staff", shelter_id="S01")
    url = RECORD.format(in_s01["household_id"])
    assert client.get(url, headers=staff).status_code == 200
    check_in(client, "S02", in_s01["pass_code"])
    assert client.get(url, headers=staff).status_code == 403


def test_an_unknown_household_is_404(client: TestClient) -> None:
    """A household id nobody has answers 404 to hq."""
    assert client.get(RECORD.format("0" * 32), headers=HQ).status_code == 404


def test_the_record_carries_every_detail_registered(
    client: TestClient, in_s01: dict[str, Any]
) -> None:
    """Members with needs, phone, stay and consent, and where it is now."""
    body = record(client, in_s01["household_id"])
    assert body["members"][0]["needs"] == ["wheelchair"]
    assert (body["phone"], body["stay"], body["consent_safety_info"]) == (
        "0966-82-2511",
        "shelter",
        True,
    )
    assert (body["shelter_id"], body["present"], body["size"]) == ("S01", 2, 2)
    assert (body["origin"], body["anonymous"], body["merged_into"]) == ("self", False, None)


# -- registration on someone's behalf --------------------------------------------------------


def test_staff_registering_at_the_door_is_recorded_as_staff_made(client: TestClient) -> None:
    """A registration with a staff token is marked origin 'staff'."""
    staff = make_token(client, role="staff", shelter_id="S01")
    response = client.post("/api/v1/households", json=details("田浦 一郎"), headers=staff)
    assert response.status_code == 201
    assert record(client, response.json()["household_id"])["origin"] == "staff"


# -- corrections ---------------------------------------------------------------------------


def test_a_correction_replaces_every_detail(client: TestClient, in_s01: dict[str, Any]) -> None:
    """PUT replaces members, pets, language, phone, stay and consent."""
    staff = make_token(client, role="staff", shelter_id="S01")
    body = details(
        "芦北 花子", "芦北 太郎", pets=2, language="en", phone="090-1234-5678", stay="car"
    )
    response = client.put(RECORD.format(in_s01["household_id"]), json=body, headers=staff)
    assert response.status_code == 200, response.text
    got = response.json()
    assert [m["needs"] for m in got["members"]] == [[], []]
    assert (got["pets"], got["language"], got["phone"], got["stay"]) == (
        2,
        "en",
        "090-1234-5678",
        "car",
    )
    assert got["consent_safety_info"] is False
    assert record(client, in_s01["household_id"]) == got


def test_a_correction_that_adds_a_member_counts_them_exactly(
    client: TestClient, db: Database, in_s01: dict[str, Any]
) -> None:
    """A household checked in whole and corrected from 2 to 3 members counts 3, as a rebuild."""
    response = client.put(
        RECORD.format(in_s01["household_id"]),
        json=details("芦北 花子", "芦北 太郎", "芦北 陽菜"),
        headers=HQ,
    )
    assert response.status_code == 200
    assert (response.json()["size"], response.json()["present"]) == (3, 3)
    assert occupancy_of(client, "S01") == 3
    assert_counts_exact(db)


def test_a_correction_that_removes_a_duplicate_member_lowers_the_count(
    client: TestClient, db: Database, in_s01: dict[str, Any]
) -> None:
    """Two members corrected to one: the shelter counts one fewer, and the log agrees."""
    response = client.put(
        RECORD.format(in_s01["household_id"]), json=details("芦北 花子"), headers=HQ
    )
    assert response.json()["present"] == 1
    assert occupancy_of(client, "S01") == 1
    assert_counts_exact(db)


@pytest.mark.parametrize(
    "body",
    [
        {"members": []},
        {"members": [{"name": ""}]},
        {"members": [{"name": "a"}], "stay": "tent"},
        {"members": [{"name": "a"}, {"name": "b"}], "size": 1},
        {"members": [{"name": "a"}], "unknown": 1},
        {"members": [{"name": "a"}], "consent_safety_info": "maybe"},
    ],
)
def test_bad_corrections_are_422_and_change_nothing(
    client: TestClient, in_s01: dict[str, Any], body: dict[str, Any]
) -> None:
    """Empty members, a blank name, an unknown stay, size below the members: 422, no change."""
    before = record(client, in_s01["household_id"])
    response = client.put(RECORD.format(in_s01["household_id"]), json=body, headers=HQ)
    assert response.status_code == 422
    assert record(client, in_s01["household_id"]) == before


# -- merges --------------------------------------------------------------------------------


def test_a_merge_appends_the_other_records_members(client: TestClient, db: Database) -> None:
    """Two records of one family become one with both members; the other points to it."""
    mother = register(client, {"name": "芦北 花子"}, phone="0966-82-2511", consent_safety_info=True)
    father = register(client, {"name": "芦北 一郎"}, consent_safety_info=True, pets=1)
    response = client.post(
        RECORD.format(mother["household_id"]) + "/merge",
        json={"from_household_id": father["household_id"]},
        headers=HQ,
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert [m["name"] for m in merged["members"]] == ["芦北 花子", "芦北 一郎"]
    assert (merged["size"], merged["pets"], merged["merged_records"]) == (2, 1, 1)
    assert merged["consent_safety_info"] is True
    other = record(client, father["household_id"])
    assert (other["merged_into"], other["members"]) == (mother["household_id"], [])


def test_the_merged_records_pass_checks_in_the_merged_household(
    client: TestClient, db: Database
) -> None:
    """After a merge, the other record's pass still works: it checks the whole household in."""
    mother, father = register(client, {"name": "母"}), register(client, {"name": "父"})
    client.post(
        RECORD.format(mother["household_id"]) + "/merge",
        json={"from_household_id": father["household_id"]},
        headers=HQ,
    )
    result = check_in(client, "S01", father["pass_code"])
    assert (result["effect"], result["people"]) == ("checked_in", 2)
    assert result["pass_code"] == mother["pass_code"]
    assert record(client, mother["household_id"])["present"] == 2
    assert_counts_exact(db)


def test_merging_records_in_two_shelters_leaves_one_household_in_one_shelter(
    client: TestClient, db: Database
) -> None:
    """Two records in S01 and S02: merged, the household is where it last checked in, once."""
    mother, father = register(client, {"name": "母"}), register(client, {"name": "父"})
    check_in(client, "S01", mother["pass_code"])
    check_in(client, "S02", father["pass_code"])
    response = client.post(
        RECORD.format(mother["household_id"]) + "/merge",
        json={"from_household_id": father["household_id"]},
        headers=HQ,
    )
    assert response.status_code == 200
    merged = response.json()
    assert merged["shelter_id"] == "S02"
    assert occupancy_of(client, "S01") + occupancy_of(client, "S02") == merged["present"]
    assert occupancy_of(client, "S01") == 0
    assert_counts_exact(db)


def test_merging_two_records_in_one_shelter_keeps_its_count(
    client: TestClient, db: Database, in_s01: dict[str, Any]
) -> None:
    """A walk-in group of 2 found to be a registered household of 2 in S01: still 2 inside."""
    walk_in = client.post("/api/v1/events", json=event("S01", headcount=2), headers=HQ).json()
    assert occupancy_of(client, "S01") == 4
    staff = make_token(client, role="staff", shelter_id="S01")
    roster = client.get("/api/v1/shelters/S01/roster", headers=staff).json()
    walk_in_id = next(e for e in roster["entries"] if e["pass_code"] == walk_in["pass_code"])
    response = client.post(
        RECORD.format(in_s01["household_id"]) + "/merge",
        json={"from_household_id": walk_in_id["household_id"]},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["size"], response.json()["present"]) == (2, 2)
    assert occupancy_of(client, "S01") == 2
    assert_counts_exact(db)


def test_a_record_cannot_be_merged_twice_or_into_itself(client: TestClient) -> None:
    """Merging into itself is 422; merging a record already merged away is 409."""
    first, second = register(client, {"name": "一"}), register(client, {"name": "二"})
    url = RECORD.format(first["household_id"]) + "/merge"
    assert (
        client.post(url, json={"from_household_id": first["household_id"]}, headers=HQ)
    ).status_code == 422
    body = {"from_household_id": second["household_id"]}
    assert client.post(url, json=body, headers=HQ).status_code == 200
    assert client.post(url, json=body, headers=HQ).status_code == 409
    back = RECORD.format(second["household_id"]) + "/merge"
    assert (
        client.post(back, json={"from_household_id": first["household_id"]}, headers=HQ)
    ).status_code == 409


def test_a_merge_needs_sight_of_both_records(client: TestClient, in_s01: dict[str, Any]) -> None:
    """S01's staff may not pull in a record from another shelter, and nothing changes."""
    elsewhere = register(client, {"name": "佐敷 三郎"})
    check_in(client, "S02", elsewhere["pass_code"])
    staff = make_token(client, role="staff", shelter_id="S01")
    response = client.post(
        RECORD.format(in_s01["household_id"]) + "/merge",
        json={"from_household_id": elsewhere["household_id"]},
        headers=staff,
    )
    assert response.status_code == 403
    assert record(client, elsewhere["household_id"])["merged_into"] is None


def test_merging_an_unknown_record_is_404(client: TestClient, in_s01: dict[str, Any]) -> None:
    """An unknown from_household_id answers 404."""
    response = client.post(
        RECORD.format(in_s01["household_id"]) + "/merge",
        json={"from_household_id": "f" * 32},
        headers=HQ,
    )
    assert response.status_code == 404


# -- erasure -------------------------------------------------------------------------------


def test_erasure_removes_personal_data_and_keeps_the_counts(
    client: TestClient, db: Database, in_s01: dict[str, Any]
) -> None:
    """Names, kana, needs and phone are gone; the household still counts in S01 and the log."""
    response = client.delete(RECORD.format(in_s01["household_id"]), headers=HQ)
    assert response.status_code == 204
    body = record(client, in_s01["household_id"])
    assert body["members"] == [] and body["phone"] is None and body["anonymous"] is True
    assert (body["size"], body["present"], body["shelter_id"]) == (2, 2, "S01")
    assert occupancy_of(client, "S01") == 2
    roster = client.get("/api/v1/shelters/S01/roster", params={"format": "csv"}, headers=HQ)
    assert "芦北" not in roster.content.decode("utf-8-sig")
    needs = client.get("/api/v1/needs", headers=HQ).json()["shelters"]["S01"]["needs"]
    assert needs["wheelchair"] == 0
    assert_counts_exact(db)


def test_an_erased_households_pass_still_checks_it_out(
    client: TestClient, db: Database, in_s01: dict[str, Any]
) -> None:
    """The events keep working after erasure: the pass checks the household out."""
    client.delete(RECORD.format(in_s01["household_id"]), headers=HQ)
    response = client.post(
        "/api/v1/events",
        json=event("S01", "check_out", pass_code=in_s01["pass_code"]),
        headers=HQ,
    )
    assert response.json()["people"] == 2
    assert occupancy_of(client, "S01") == 0
    assert_counts_exact(db)
