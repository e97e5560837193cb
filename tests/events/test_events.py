"""POST /api/v1/events and /events/batch, as the contract states them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from shelter.app import create_app
from shelter.config import Settings
from shelter.db import Database
from shelter.tables import Event
from tests.conftest import ADMIN, HQ, event, make_household, make_token, occupancy_of


def at(minutes: int) -> str:
    base = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    return (base + timedelta(minutes=minutes)).isoformat()


def post(client: TestClient, body: dict[str, object], headers: dict[str, str] = HQ) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/events", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def test_new_event_answers_201_with_the_shelter_status(client: TestClient) -> None:
    """A first check-in is 201 and carries the shelter's new status and version."""
    household = make_household(client, size=2)
    before = client.get("/api/v1/shelters/S01").json()
    response = client.post(
        "/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=HQ
    )
    assert response.status_code == 201
    body = response.json()
    assert body["effect"] == "checked_in"
    assert body["people"] == 2
    assert body["over_capacity"] is False
    assert body["shelter"]["occupancy"] == 2
    assert body["shelter"]["vacancy"] == before["capacity"] - 2
    assert body["shelter"]["version"] > before["version"]


def test_replayed_event_is_not_counted_twice(client: TestClient) -> None:
    """The same event_id and body again is 200 with the same answer and no double count."""
    household = make_household(client, size=3)
    body = event("S01", pass_code=household["pass_code"])
    first = client.post("/api/v1/events", json=body, headers=HQ)
    second = client.post("/api/v1/events", json=body, headers=HQ)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["effect"] == first.json()["effect"] == "checked_in"
    assert second.json()["people"] == 3
    assert occupancy_of(client, "S01") == 3


def test_replay_with_the_pass_code_typed_differently_is_still_a_replay(client: TestClient) -> None:
    """A retry whose pass code differs only in case or spacing is the same event."""
    household = make_household(client, size=1)
    body = event("S01", pass_code=household["pass_code"])
    assert client.post("/api/v1/events", json=body, headers=HQ).status_code == 201
    body["pass_code"] = " " + household["pass_code"].lower()
    assert client.post("/api/v1/events", json=body, headers=HQ).status_code == 200
    assert occupancy_of(client, "S01") == 1


def test_event_id_reused_with_a_different_body_is_409_and_changes_nothing(
    client: TestClient,
) -> None:
    """An event_id that comes back with another body is refused and counts stay put."""
    household = make_household(client, size=3)
    body = event("S01", pass_code=household["pass_code"])
    client.post("/api/v1/events", json=body, headers=HQ)
    response = client.post("/api/v1/events", json={**body, "shelter_id": "S02"}, headers=HQ)
    assert response.status_code == 409
    assert "event_id" in response.json()["detail"]
    assert occupancy_of(client, "S01") == 3
    assert occupancy_of(client, "S02") == 0


def test_check_in_elsewhere_moves_the_household(client: TestClient) -> None:
    """A household is in one shelter at a time: checking in at S02 takes it out of S01."""
    household = make_household(client, size=4)
    post(client, event("S01", pass_code=household["pass_code"]))
    moved = post(client, event("S02", pass_code=household["pass_code"]))
    assert moved["effect"] == "moved"
    assert moved["people"] == 4
    assert occupancy_of(client, "S01") == 0
    assert occupancy_of(client, "S02") == 4


def test_checking_in_twice_at_the_same_shelter_changes_nothing(client: TestClient) -> None:
    """A second scan at the door of a household already inside has effect none."""
    household = make_household(client, size=2)
    post(client, event("S01", pass_code=household["pass_code"]))
    again = post(client, event("S01", pass_code=household["pass_code"]))
    assert again["effect"] == "none"
    assert again["people"] == 0
    assert occupancy_of(client, "S01") == 2


def test_checking_out_a_household_that_is_not_in_changes_nothing(client: TestClient) -> None:
    """A check-out of a household that is elsewhere or nowhere has effect none."""
    household = make_household(client, size=2)
    assert (
        post(client, event("S01", "check_out", pass_code=household["pass_code"]))["effect"]
        == "none"
    )
    post(client, event("S02", pass_code=household["pass_code"]))
    assert (
        post(client, event("S01", "check_out", pass_code=household["pass_code"]))["effect"]
        == "none"
    )
    assert occupancy_of(client, "S02") == 2


def test_headcount_checks_part_of_a_household_in_and_out(client: TestClient) -> None:
    """Two of four arrive, then the other two; then one leaves."""
    household = make_household(client, size=4)
    code = household["pass_code"]
    assert post(client, event("S01", pass_code=code, headcount=2))["people"] == 2
    assert post(client, event("S01", pass_code=code, headcount=2))["people"] == 2
    assert occupancy_of(client, "S01") == 4
    left = post(client, event("S01", "check_out", pass_code=code, headcount=1))
    assert (left["effect"], left["people"]) == ("checked_out", 1)
    assert occupancy_of(client, "S01") == 3


def test_a_late_earlier_check_in_never_readmits_a_household(client: TestClient) -> None:
    """A check-in that happened before the latest check-out, arriving late, changes nothing."""
    household = make_household(client, size=3)
    code = household["pass_code"]
    post(client, event("S01", "check_out", pass_code=code, occurred_at=at(60)))
    late = post(client, event("S01", pass_code=code, occurred_at=at(30)))
    assert (late["effect"], late["people"]) == ("none", 0)
    assert occupancy_of(client, "S01") == 0
    # and again for a household that had checked in first, then out
    post(client, event("S02", pass_code=code, occurred_at=at(70)))
    post(client, event("S02", "check_out", pass_code=code, occurred_at=at(120)))
    late = post(client, event("S02", pass_code=code, occurred_at=at(100)))
    assert late["effect"] == "none"
    assert [occupancy_of(client, s) for s in ("S01", "S02")] == [0, 0]


def test_a_late_check_out_arriving_after_a_newer_check_in_keeps_the_household_in(
    client: TestClient,
) -> None:
    """Events take effect in occurred_at order, not in arrival order."""
    household = make_household(client, size=2)
    code = household["pass_code"]
    post(client, event("S01", pass_code=code, occurred_at=at(0)))
    post(client, event("S02", pass_code=code, occurred_at=at(90)))
    post(client, event("S01", "check_out", pass_code=code, occurred_at=at(45)))
    assert occupancy_of(client, "S01") == 0
    assert occupancy_of(client, "S02") == 2


def test_walk_in_group_gets_a_new_pass_that_works_for_check_out(client: TestClient) -> None:
    """An anonymous headcount is checked in and answered with a pass it can leave with."""
    walk_in = post(client, event("S03", headcount=5))
    assert walk_in["effect"] == "checked_in"
    assert walk_in["people"] == 5
    code = walk_in["pass_code"]
    assert code and code.isalnum() and code.isupper()
    assert occupancy_of(client, "S03") == 5
    left = post(client, event("S03", "check_out", pass_code=code))
    assert (left["effect"], left["people"]) == ("checked_out", 5)
    assert occupancy_of(client, "S03") == 0


def test_walk_in_replay_returns_the_same_pass_and_one_group(client: TestClient) -> None:
    """Retrying a walk-in never makes a second group or a second pass."""
    body = event("S03", headcount=2)
    first = client.post("/api/v1/events", json=body, headers=HQ).json()
    second = client.post("/api/v1/events", json=body, headers=HQ).json()
    assert first["pass_code"] == second["pass_code"]
    assert occupancy_of(client, "S03") == 2


def test_walk_in_needs_a_headcount(client: TestClient) -> None:
    """An event with neither pass nor headcount is 422 and changes nothing."""
    response = client.post("/api/v1/events", json=event("S01"), headers=HQ)
    assert response.status_code == 422
    assert "headcount" in response.json()["detail"]
    assert occupancy_of(client, "S01") == 0


def test_check_out_without_a_pass_is_refused_with_a_reason(client: TestClient) -> None:
    """A check-out must name the pass; the message says where to find a lost one."""
    response = client.post(
        "/api/v1/events", json=event("S01", "check_out", headcount=2), headers=HQ
    )
    assert response.status_code == 422
    assert "roster" in response.json()["detail"]


def test_headcount_larger_than_the_household_is_refused(client: TestClient) -> None:
    """A pass of two cannot check in five."""
    household = make_household(client, size=2)
    response = client.post(
        "/api/v1/events",
        json=event("S01", pass_code=household["pass_code"], headcount=5),
        headers=HQ,
    )
    assert response.status_code == 422
    assert occupancy_of(client, "S01") == 0


def test_full_shelter_still_admits_and_offers_the_nearest_shelters_with_room(
    client: TestClient,
) -> None:
    """Nobody is refused: over_capacity is set and open shelters with room come nearest first."""
    client.patch("/api/v1/shelters/S05", json={"capacity": 2}, headers=HQ)
    client.patch("/api/v1/shelters/S04", json={"open": False}, headers=HQ)
    household = make_household(client, size=3)
    body = post(client, event("S05", pass_code=household["pass_code"]))
    assert body["effect"] == "checked_in"
    assert body["over_capacity"] is True
    assert body["shelter"]["level"] == "full"
    assert occupancy_of(client, "S05") == 3
    ids = [s["id"] for s in body["alternatives"]]
    assert "S04" not in ids and "S05" not in ids
    assert ids
    from shelter.occupancy.service import distance_km

    s05 = body["shelter"]
    distances = [
        distance_km(s05["lat"], s05["lon"], s["lat"], s["lon"]) for s in body["alternatives"]
    ]
    assert distances == sorted(distances)
    assert all(s["vacancy"] > 0 and s["open"] for s in body["alternatives"])


def test_shelter_with_room_offers_no_alternatives(client: TestClient) -> None:
    """Alternatives are only offered when the shelter is full or closed."""
    household = make_household(client, size=1)
    assert post(client, event("S01", pass_code=household["pass_code"]))["alternatives"] == []


def test_unknown_pass_is_404(client: TestClient) -> None:
    """A pass code nobody holds is 404 with a hint."""
    response = client.post(
        "/api/v1/events", json=event("S01", pass_code="ZZZZZZZZZZZZZZZZZZZZ"), headers=HQ
    )
    assert response.status_code == 404
    assert "walk-in" in response.json()["detail"]


def test_unknown_shelter_is_404(client: TestClient) -> None:
    """An event for a shelter that does not exist is 404."""
    household = make_household(client, size=1)
    response = client.post(
        "/api/v1/events", json=event("NOPE", pass_code=household["pass_code"]), headers=HQ
    )
    assert response.status_code == 404


def test_kiosk_posting_for_another_shelter_is_403(client: TestClient) -> None:
    """A kiosk token is scoped to its one shelter."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    household = make_household(client, size=1)
    assert (
        client.post(
            "/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=kiosk
        ).status_code
        == 201
    )
    response = client.post(
        "/api/v1/events", json=event("S02", pass_code=household["pass_code"]), headers=kiosk
    )
    assert response.status_code == 403
    assert occupancy_of(client, "S01") == 1


def test_occurred_at_far_in_the_future_is_refused(client: TestClient) -> None:
    """A kiosk with a clock a day ahead gets a 422 that says to check the clock."""
    household = make_household(client, size=1)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/events",
        json=event("S01", pass_code=household["pass_code"], occurred_at=tomorrow),
        headers=HQ,
    )
    assert response.status_code == 422
    assert "clock" in response.json()["detail"]


def test_occurred_at_without_offset_is_refused(client: TestClient) -> None:
    """A time with no offset is ambiguous; the contract asks for ISO 8601 with offset."""
    household = make_household(client, size=1)
    response = client.post(
        "/api/v1/events",
        json=event("S01", pass_code=household["pass_code"], occurred_at="2026-11-22T09:00:00"),
        headers=HQ,
    )
    assert response.status_code == 422


def test_batch_applies_each_event_on_its_own(client: TestClient) -> None:
    """One bad event in a batch is rejected alone; duplicates are reported as such."""
    a, b = make_household(client, size=2), make_household(client, size=3)
    good = event("S01", pass_code=a["pass_code"])
    events = [
        good,
        event("S01", pass_code="UNKNOWNPASSCODE00000"),
        {"event_id": "not-a-uuid", "shelter_id": "S01", "kind": "check_in"},
        "not even an object",
        event("S02", pass_code=b["pass_code"]),
        good,
        {**good, "shelter_id": "S03"},
    ]
    response = client.post("/api/v1/events/batch", json={"events": events}, headers=HQ)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "rejected",
        "applied",
        "duplicate",
        "rejected",
    ]
    assert all(r["reason"] for r in results if r["status"] == "rejected")
    assert results[2]["event_id"] == "not-a-uuid"
    assert occupancy_of(client, "S01") == 2
    assert occupancy_of(client, "S02") == 3
    assert occupancy_of(client, "S03") == 0


def test_batch_replayed_whole_counts_nothing_twice(client: TestClient) -> None:
    """An offline kiosk that uploads its queue twice changes counts once."""
    households = [make_household(client, size=2) for _ in range(5)]
    events = [event("S01", pass_code=h["pass_code"]) for h in households]
    first = client.post("/api/v1/events/batch", json={"events": events}, headers=HQ).json()
    second = client.post("/api/v1/events/batch", json={"events": events}, headers=HQ).json()
    assert {r["status"] for r in first["results"]} == {"applied"}
    assert {r["status"] for r in second["results"]} == {"duplicate"}
    assert occupancy_of(client, "S01") == 10


def test_batch_for_another_shelter_with_a_kiosk_token_rejects_only_those(
    client: TestClient,
) -> None:
    """A kiosk's batch may not touch other shelters; its own events still apply."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    a, b = make_household(client, size=1), make_household(client, size=1)
    events = [event("S01", pass_code=a["pass_code"]), event("S02", pass_code=b["pass_code"])]
    results = client.post("/api/v1/events/batch", json={"events": events}, headers=kiosk).json()[
        "results"
    ]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert occupancy_of(client, "S02") == 0


def test_batch_of_more_than_500_events_is_refused(client: TestClient) -> None:
    """The batch limit is 500."""
    events = [event("S01", headcount=1) for _ in range(501)]
    response = client.post("/api/v1/events/batch", json={"events": events}, headers=HQ)
    assert response.status_code == 422
    assert occupancy_of(client, "S01") == 0


def test_every_count_change_raises_the_version(client: TestClient) -> None:
    """version rises with every change of a shelter's counts, and only then."""
    household = make_household(client, size=1)
    v0 = client.get("/api/v1/shelters/S01").json()["version"]
    post(client, event("S01", pass_code=household["pass_code"]))
    v1 = client.get("/api/v1/shelters/S01").json()["version"]
    post(client, event("S01", pass_code=household["pass_code"]))  # effect none
    v2 = client.get("/api/v1/shelters/S01").json()["version"]
    assert v1 > v0
    assert v2 == v1


def test_event_id_is_case_insensitive_as_a_uuid(client: TestClient) -> None:
    """An upper-case UUID is the same event as its lower-case form."""
    household = make_household(client, size=1)
    event_id = str(uuid.uuid4())
    body = event("S01", pass_code=household["pass_code"], event_id=event_id)
    client.post("/api/v1/events", json=body, headers=HQ)
    again = client.post("/api/v1/events", json={**body, "event_id": event_id.upper()}, headers=HQ)
    assert again.status_code == 200


def test_a_shelter_shown_full_by_changed_thresholds_offers_alternatives(
    database_url: str,
) -> None:
    """With 満 at 90 %, a check-in at 95 % is offered the shelters with room, and the full
    shelter itself is never offered to anyone (one rule decides both)."""
    settings = Settings(database_url=database_url, admin_token=ADMIN, level_nearly_full_below=0.9)
    with TestClient(create_app(settings)) as client:
        capacity = client.get("/api/v1/shelters/S05").json()["capacity"]
        near_full = int(capacity * 0.95)
        post(client, event("S05", headcount=near_full))
        answer = post(client, event("S05", headcount=1))
        assert answer["shelter"]["level"] == "full"
        assert answer["shelter"]["vacancy"] > 0  # shown full before the last bed is taken
        assert answer["alternatives"], "a shelter shown full offered nowhere else to go"
        elsewhere = post(
            client, event("S04", headcount=client.get("/api/v1/shelters/S04").json()["capacity"])
        )
        assert "S05" not in {s["id"] for s in elsewhere["alternatives"]}


def test_an_offline_upload_into_a_full_shelter_counts_over_capacity_without_looking_elsewhere(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload's answer names no alternatives, so none are looked for (each search reads
    every shelter with room); over capacity is still logged. A single check-in still gets
    them, through the same rule."""
    from shelter.occupancy import service as occupancy

    searched: list[str] = []
    real = occupancy.alternatives

    def spy(*args: object, **kwargs: object) -> object:
        searched.append(kwargs["near"].id)  # type: ignore[attr-defined]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(occupancy, "alternatives", spy)
    client.patch("/api/v1/shelters/S05", json={"capacity": 2}, headers=HQ)
    queued = [event("S05", headcount=2) for _ in range(3)]
    answer = client.post("/api/v1/events/batch", json={"events": queued}, headers=HQ)
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 3
    assert searched == []
    assert occupancy_of(client, "S05") == 6
    with db.reader() as session:
        logged = session.exec(select(Event.over_capacity).order_by(col(Event.seq))).all()
    assert logged == [False, True, True]  # 2 of 2 places, then 4 and 6
    single = post(client, event("S05", headcount=1))
    assert single["over_capacity"] is True and single["alternatives"]
    assert searched == ["S05"]


def test_an_offline_upload_runs_as_online_check_ins_do_with_no_savepoint_per_event(
    client: TestClient, db: Database
) -> None:
    """Each event of an upload refuses before its first write, so none needs a savepoint
    (on PostgreSQL two round trips each, while the group's shelters stay locked): a refused
    event still changes nothing, a duplicate in the same upload answers from the first, and
    the rest count once."""
    from sqlalchemy import event as sa_event

    household = make_household(client, size=3)
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    walk_in = event("S02", headcount=2)
    queued = [
        event("S01", pass_code=household["pass_code"]),
        walk_in,
        event("S01", pass_code="ZZZZ-ZZZZ"),  # no such pass: rejected alone
        {"event_id": "not-a-uuid", "shelter_id": "S01", "kind": "check_in"},
        walk_in,  # sent twice in one upload
        event("S03", pass_code=household["pass_code"]),  # moves the household
    ]
    before = {sid: occupancy_of(client, sid) for sid in ("S01", "S02", "S03")}
    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        answer = client.post("/api/v1/events/batch", json={"events": queued}, headers=HQ)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "applied",
        "rejected",
        "rejected",
        "duplicate",
        "applied",
    ]
    assert [r.get("effect") for r in results[:2]] == ["checked_in", "checked_in"]
    assert results[5]["effect"] == "moved"
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    after = {sid: occupancy_of(client, sid) for sid in ("S01", "S02", "S03")}
    assert after == {
        "S01": before["S01"],
        "S02": before["S02"] + 2,
        "S03": before["S03"] + 3,
    }
    with db.reader() as session:
        stored = session.exec(select(Event.event_id)).all()
    assert sorted(stored) == sorted(
        {str(e["event_id"]) for e in queued if e["event_id"] != "not-a-uuid"}
        - {queued[2]["event_id"]}
    )
