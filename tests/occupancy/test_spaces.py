"""Spaces by kind (accessible, pets), people outside (stay), alternatives that fit, nearest."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from shelter.bootstrap import alembic_config
from shelter.cli import main
from shelter.db import Database
from shelter.events import rebuild
from shelter.occupancy.service import distance_km
from tests.conftest import HQ, event

SHELTERS = "/api/v1/shelters"


def status(client: TestClient, shelter_id: str) -> dict[str, Any]:
    response = client.get(f"{SHELTERS}/{shelter_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def spaces(client: TestClient, shelter_id: str) -> dict[str, dict[str, int]]:
    return {
        s["kind"]: {k: s[k] for k in ("capacity", "occupancy", "vacancy")}
        for s in status(client, shelter_id)["spaces"]
    }


def set_spaces(client: TestClient, shelter_id: str, **kinds: int) -> None:
    response = client.patch(f"{SHELTERS}/{shelter_id}", json={"spaces": kinds}, headers=HQ)
    assert response.status_code == 200, response.text


def register(
    client: TestClient,
    needs: list[list[str]],
    *,
    pets: int = 0,
    stay: str | None = None,
) -> str:
    """A household, one member per entry of ``needs``; answers its pass code."""
    members = [{"name": f"芦北 {i}", "needs": n} for i, n in enumerate(needs)]
    body: dict[str, Any] = {"members": members, "pets": pets}
    if stay is not None:
        body["stay"] = stay
    response = client.post("/api/v1/households", json=body)
    assert response.status_code == 201, response.text
    code: str = response.json()["pass_code"]
    return code


def post(client: TestClient, body: dict[str, Any], status_code: int = 201) -> dict[str, Any]:
    response = client.post("/api/v1/events", json=body, headers=HQ)
    assert response.status_code == status_code, response.text
    answer: dict[str, Any] = response.json()
    return answer


def check_in(
    client: TestClient, shelter_id: str, code: str, stay: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = event(shelter_id, pass_code=code, **extra)
    if stay is not None:
        body["stay"] = stay
    return post(client, body)


def assert_rebuilds(db: Database) -> None:
    with db.reader() as session:
        live = rebuild.live_counts(session)
        assert rebuild.rebuild(session) == live
        assert rebuild.ledger_counts(session) == live


# -- spaces on shelters --------------------------------------------------------------------


def test_a_shelter_without_spaces_lists_none_and_nobody_outside(client: TestClient) -> None:
    """spaces is [] when none are set; outside starts at 0."""
    body = status(client, "S01")
    assert (body["spaces"], body["outside"]) == ([], 0)


def test_spaces_are_set_on_create_and_replaced_by_patch(client: TestClient) -> None:
    """POST sets the kinds given; PATCH replaces them all (a kind left out is removed)."""
    response = client.post(
        SHELTERS,
        json={
            "id": "S09",
            "name": "福祉センター",
            "lat": 32.2,
            "lon": 130.5,
            "capacity": 50,
            "spaces": {"accessible": 20, "pets": 10},
        },
        headers=HQ,
    )
    assert response.status_code == 201, response.text
    assert response.json()["spaces"] == [
        {"kind": "accessible", "capacity": 20, "occupancy": 0, "vacancy": 20},
        {"kind": "pets", "capacity": 10, "occupancy": 0, "vacancy": 10},
    ]
    set_spaces(client, "S09", pets=4)
    assert spaces(client, "S09") == {"pets": {"capacity": 4, "occupancy": 0, "vacancy": 4}}
    set_spaces(client, "S09")
    assert status(client, "S09")["spaces"] == []


def test_bad_spaces_are_422_and_change_nothing(client: TestClient) -> None:
    """A negative or unknown kind of space, or null, is refused in words."""
    before = status(client, "S01")
    for spaces_body in ({"accessible": -1}, {"cars": 3}, {"pets": "many"}, None):
        response = client.patch(f"{SHELTERS}/S01", json={"spaces": spaces_body}, headers=HQ)
        assert response.status_code == 422, (spaces_body, response.text)
    assert status(client, "S01") == before


# -- counting into spaces ------------------------------------------------------------------


def test_members_needing_care_and_pets_count_into_their_spaces(
    client: TestClient, db: Database
) -> None:
    """A wheelchair user and a medical-care member count into accessible, pets into pets."""
    set_spaces(client, "S01", accessible=5, pets=5)
    code = register(client, [["wheelchair"], ["medical_care", "elderly"], ["infant"]], pets=2)
    check_in(client, "S01", code)
    assert spaces(client, "S01") == {
        "accessible": {"capacity": 5, "occupancy": 2, "vacancy": 3},
        "pets": {"capacity": 5, "occupancy": 2, "vacancy": 3},
    }
    post(client, event("S01", "check_out", pass_code=code))
    assert {k: v["occupancy"] for k, v in spaces(client, "S01").items()} == {
        "accessible": 0,
        "pets": 0,
    }
    assert_rebuilds(db)


def test_a_partial_headcount_counts_its_care_needs_first_and_all_its_pets(
    client: TestClient,
) -> None:
    """One of three arrives: the one wheelchair user is assumed among them; the dog came."""
    set_spaces(client, "S01", accessible=5, pets=5)
    code = register(client, [["wheelchair"], ["wheelchair"], []], pets=1)
    check_in(client, "S01", code, headcount=1)
    counted = spaces(client, "S01")
    assert (counted["accessible"]["occupancy"], counted["pets"]["occupancy"]) == (1, 1)
    check_in(client, "S01", code, headcount=2)
    assert spaces(client, "S01")["accessible"]["occupancy"] == 2


def test_a_move_between_shelters_carries_its_spaces(client: TestClient, db: Database) -> None:
    """Checked in elsewhere, the household's accessible and pet places move with it."""
    set_spaces(client, "S01", accessible=5, pets=5)
    set_spaces(client, "S02", accessible=5, pets=5)
    code = register(client, [["wheelchair"], []], pets=1)
    check_in(client, "S01", code)
    assert check_in(client, "S02", code)["effect"] == "moved"
    assert spaces(client, "S01")["accessible"]["occupancy"] == 0
    assert spaces(client, "S01")["pets"]["occupancy"] == 0
    assert spaces(client, "S02")["accessible"]["occupancy"] == 1
    assert spaces(client, "S02")["pets"]["occupancy"] == 1
    assert_rebuilds(db)


def test_a_correction_of_needs_or_pets_while_inside_recounts_the_spaces(
    client: TestClient, db: Database
) -> None:
    """Staff record a wheelchair and a second pet: the spaces count them at once, exactly."""
    set_spaces(client, "S01", accessible=5, pets=5)
    response = client.post(
        "/api/v1/households", json={"members": [{"name": "芦北 花子"}], "pets": 1}
    )
    household = response.json()
    check_in(client, "S01", household["pass_code"])
    assert spaces(client, "S01")["accessible"]["occupancy"] == 0
    response = client.put(
        f"/api/v1/households/{household['household_id']}",
        json={"members": [{"name": "芦北 花子", "needs": ["wheelchair"]}], "pets": 2},
        headers=HQ,
    )
    assert response.status_code == 200, response.text
    counted = spaces(client, "S01")
    assert (counted["accessible"]["occupancy"], counted["pets"]["occupancy"]) == (1, 2)
    assert status(client, "S01")["occupancy"] == 1
    assert_rebuilds(db)


def test_erasure_keeps_the_spaces_a_household_inside_still_uses(
    client: TestClient, db: Database
) -> None:
    """Personal data goes; the wheelchair user is still inside, and still counted."""
    set_spaces(client, "S01", accessible=5)
    response = client.post(
        "/api/v1/households", json={"members": [{"name": "芦北 花子", "needs": ["wheelchair"]}]}
    )
    household = response.json()
    check_in(client, "S01", household["pass_code"])
    response = client.delete(f"/api/v1/households/{household['household_id']}", headers=HQ)
    assert response.status_code in (200, 204), response.text
    assert spaces(client, "S01")["accessible"]["occupancy"] == 1
    assert_rebuilds(db)


# -- outside -------------------------------------------------------------------------------


def test_people_staying_outside_count_into_outside_never_occupancy(
    client: TestClient, db: Database
) -> None:
    """A family sleeping in its car is counted for supplies, and takes no place inside."""
    set_spaces(client, "S01", accessible=5, pets=5)
    code = register(client, [["wheelchair"], [], []], pets=1)
    answer = check_in(client, "S01", code, stay="car")
    assert (answer["effect"], answer["stay"], answer["over_capacity"]) == (
        "checked_in",
        "car",
        False,
    )
    body = answer["shelter"]
    assert (body["occupancy"], body["outside"]) == (0, 3)
    assert {s["kind"]: s["occupancy"] for s in body["spaces"]} == {"accessible": 0, "pets": 0}
    assert_rebuilds(db)


def test_moving_inside_and_out_is_an_event_like_any_other(client: TestClient, db: Database) -> None:
    """Car to inside to tent: each move changes the counts once; a replay changes nothing."""
    code = register(client, [[], []])
    check_in(client, "S01", code, stay="car")
    inside = event("S01", pass_code=code)
    inside["stay"] = "shelter"
    answer = post(client, inside)
    assert (answer["shelter"]["occupancy"], answer["shelter"]["outside"]) == (2, 0)
    assert post(client, inside, status_code=200) == answer
    changed = dict(inside, stay="tent")
    response = client.post("/api/v1/events", json=changed, headers=HQ)
    assert response.status_code == 409, "the same event_id with another stay was taken"
    tent = check_in(client, "S01", code, stay="tent")
    assert (tent["shelter"]["occupancy"], tent["shelter"]["outside"]) == (0, 2)
    out = post(client, event("S01", "check_out", pass_code=code))
    assert (out["effect"], out["shelter"]["outside"]) == ("checked_out", 0)
    assert_rebuilds(db)


def test_a_late_move_inside_never_undoes_a_later_check_out(client: TestClient) -> None:
    """Ordering holds for stays: a move inside that happened before the check-out stays past."""
    code = register(client, [[]])
    check_in(client, "S01", code, stay="car", occurred_at="2026-11-22T09:00:00+09:00")
    post(client, event("S01", "check_out", pass_code=code, occurred_at="2026-11-22T11:00:00+09:00"))
    late = event("S01", pass_code=code, occurred_at="2026-11-22T10:00:00+09:00")
    late["stay"] = "shelter"
    answer = post(client, late)
    assert answer["effect"] == "none"
    assert (answer["shelter"]["occupancy"], answer["shelter"]["outside"]) == (0, 0)


def test_people_outside_never_make_a_shelter_full(client: TestClient) -> None:
    """A shelter of 2 with 10 people in cars is available, and offers nobody elsewhere."""
    client.patch(f"{SHELTERS}/S05", json={"capacity": 2}, headers=HQ)
    for _ in range(5):
        answer = check_in(client, "S05", register(client, [[], []]), stay="tent")
        assert (answer["over_capacity"], answer["alternatives"]) == (False, [])
    body = status(client, "S05")
    assert (body["level"], body["vacancy"], body["outside"]) == ("available", 2, 10)


def test_the_planned_stay_is_the_default_and_the_event_can_say_otherwise(
    client: TestClient,
) -> None:
    """Registered to stay in the car (or with relatives): counted outside unless told."""
    car = register(client, [[]], stay="car")
    assert check_in(client, "S01", car)["stay"] == "car"
    relatives = register(client, [[]], stay="relatives")
    assert check_in(client, "S01", relatives)["stay"] == "home"
    inside = register(client, [[]], stay="car")
    assert check_in(client, "S01", inside, stay="shelter")["stay"] == "shelter"
    walk_in = post(client, event("S01", headcount=2))
    assert walk_in["stay"] == "shelter"
    body = status(client, "S01")
    assert (body["occupancy"], body["outside"]) == (3, 2)


def test_a_bad_stay_is_422(client: TestClient) -> None:
    """Only shelter, car, tent and home are stays."""
    body = event("S01", headcount=1)
    body["stay"] = "hotel"
    response = client.post("/api/v1/events", json=body, headers=HQ)
    assert response.status_code == 422
    assert "stay" in response.text


# -- alternatives that fit -----------------------------------------------------------------


def test_a_full_accessible_space_is_over_capacity_with_alternatives_that_have_room(
    client: TestClient,
) -> None:
    """Room in the hall, none in the accessible space: offered only shelters with a place."""
    set_spaces(client, "S05", accessible=1)
    set_spaces(client, "S03", accessible=0)  # has the space, and it is full
    set_spaces(client, "S02", accessible=2)
    check_in(client, "S05", register(client, [["wheelchair"]]))
    answer = check_in(client, "S05", register(client, [["wheelchair"], []]))
    assert (answer["over_capacity"], answer["spaces_full"]) == (True, ["accessible"])
    assert answer["shelter"]["level"] == "available"
    offered = answer["alternatives"]
    assert [s["id"] for s in offered] == ["S02"], "only S02 has an accessible place"
    assert offered[0]["spaces"][0]["vacancy"] >= 1


def test_a_household_without_that_need_is_not_over_when_the_space_is_full(
    client: TestClient,
) -> None:
    """A full pet area is nothing to a household without pets."""
    set_spaces(client, "S01", pets=0)
    answer = check_in(client, "S01", register(client, [[]]))
    assert (answer["over_capacity"], answer["alternatives"]) == (False, [])


def test_a_full_shelter_offers_alternatives_with_room_for_the_whole_household(
    client: TestClient,
) -> None:
    """Five people are not sent to a shelter with two places left, nor pets to a full pet area."""
    client.patch(f"{SHELTERS}/S05", json={"capacity": 1}, headers=HQ)
    client.patch(f"{SHELTERS}/S04", json={"capacity": 2}, headers=HQ)
    set_spaces(client, "S03", pets=0)
    answer = check_in(client, "S05", register(client, [[]] * 5, pets=1))
    assert answer["over_capacity"] is True
    ids = [s["id"] for s in answer["alternatives"]]
    assert ids and "S04" not in ids and "S03" not in ids
    assert all(s["vacancy"] >= 5 for s in answer["alternatives"])


# -- nearest -------------------------------------------------------------------------------


def test_nearest_lists_open_shelters_with_room_nearest_first(client: TestClient) -> None:
    """Anyone may ask; the answer is ordered by distance from where they are."""
    lat, lon = 32.21, 130.40
    response = client.get(f"{SHELTERS}/nearest", params={"lat": lat, "lon": lon, "people": 3})
    assert response.status_code == 200, response.text
    found = response.json()
    distances = [distance_km(lat, lon, s["lat"], s["lon"]) for s in found]
    assert distances == sorted(distances) and len(found) == 5
    client.patch(f"{SHELTERS}/{found[0]['id']}", json={"open": False}, headers=HQ)
    again = client.get(f"{SHELTERS}/nearest", params={"lat": lat, "lon": lon}).json()
    assert found[0]["id"] not in [s["id"] for s in again]


def test_nearest_with_a_need_lists_only_shelters_with_that_space_free(
    client: TestClient,
) -> None:
    """need=accessible: only shelters that have the space and a place in it; pets likewise."""
    set_spaces(client, "S02", accessible=1, pets=0)
    set_spaces(client, "S04", pets=3)
    url = f"{SHELTERS}/nearest?lat=32.2&lon=130.4&people=2"

    def ids(query: str) -> list[str]:
        response = client.get(url + query)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()]

    assert ids("&need=accessible") == ["S02"]
    assert ids("&need=pets") == ["S04"]
    assert ids("&need=pets&need=accessible") == []
    assert len(ids("")) == 5


def test_nearest_refuses_bad_parameters_in_words(client: TestClient) -> None:
    """Missing or impossible positions, headcounts and needs are 422 with the reason."""
    for query in (
        "",
        "lat=32.2",
        "lat=95&lon=130",
        "lat=32.2&lon=abc",
        "lat=32.2&lon=130&people=0",
        "lat=32.2&lon=130&need=wheelchair",
        "lat=32.2&lon=130&limit=1000",
    ):
        response = client.get(f"{SHELTERS}/nearest?{query}")
        assert response.status_code == 422, query
        assert response.json(), query


# -- the migration -------------------------------------------------------------------------


def test_the_migration_counts_the_households_already_inside(
    client: TestClient, db: Database
) -> None:
    """Upgraded with people inside: their needs and pets start the new counts, logged."""
    code = register(client, [["wheelchair"], []], pets=2)
    check_in(client, "S01", code)
    config = alembic_config()
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with db.reader() as session:
        live = rebuild.live_counts(session)["S01"]
        assert (live.occupancy, live.accessible, live.pets, live.outside) == (2, 1, 2, 0)
        assert rebuild.ledger_counts(session) == rebuild.live_counts(session)
        assert rebuild.rebuild(session) == rebuild.live_counts(session)
        stays = session.execute(text("SELECT DISTINCT stay FROM events")).scalars().all()
    assert stays == ["shelter"]


def test_shelter_check_compares_every_count_and_finds_a_wrong_one(
    client: TestClient, db: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`shelter check` passes on exact counts and fails when only a space count is off."""
    set_spaces(client, "S01", accessible=5, pets=5)
    check_in(client, "S01", register(client, [["wheelchair"]], pets=1))
    check_in(client, "S01", register(client, [[]]), stay="car")
    assert main(["check", "--db", database_url]) == 0
    assert "accessible 1, pets 1, outside 1" in capsys.readouterr().out
    with db.write_engine.begin() as connection:
        connection.execute(text("UPDATE shelters SET pets_occupancy = 7 WHERE id = 'S01'"))
    assert main(["check", "--db", database_url]) == 1
    assert "MISMATCH" in capsys.readouterr().out
