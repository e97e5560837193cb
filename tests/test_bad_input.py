"""Bad input: every refusal is a 4xx with a JSON ``detail``, and a refused request changes nothing.

The contract: "Bad input gets a 4xx with a JSON body that says what is wrong in words a
person can act on (422 for a malformed body). Nothing a client sends produces a 5xx, and a
rejected request changes nothing." Each test below sends one kind of bad input and checks
both halves: the answer, and that the public counts and every stored row are as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from shelter.db import Database
from shelter.tables import Event, Household, Member, Shelter, Token
from tests.conftest import HQ, event, make_household, make_token, occupancy_of

if TYPE_CHECKING:
    import httpx2  # what starlette's TestClient is built on here

JSON = {"Content-Type": "application/json"}
TABLES = (Shelter, Household, Member, Event, Token)


def snapshot(client: TestClient, db: Database) -> dict[str, Any]:
    """What a rejected request must leave alone: public occupancy and every stored row."""
    response = client.get("/api/v1/occupancy")
    assert response.status_code == 200, response.text
    body = response.json()
    with db.reader() as session:
        rows = {
            t.__tablename__: sorted(repr(row.model_dump()) for row in session.exec(select(t)))
            for t in TABLES
        }
    return {"totals": body["totals"], "shelters": body["shelters"], "rows": rows}


@contextmanager
def nothing_changes(client: TestClient, db: Database) -> Iterator[None]:
    """Assert that the requests made inside the block leave the service exactly as it was."""
    before = snapshot(client, db)
    yield
    after = snapshot(client, db)
    assert after["totals"] == before["totals"], "occupancy totals changed"
    assert after["shelters"] == before["shelters"], "a shelter's status changed"
    assert after["rows"] == before["rows"], "a stored row was added, removed or changed"


def refused(response: httpx2.Response, status: int | None = None) -> Any:
    """Assert a 4xx (``status`` exactly, if given) with a JSON body carrying a ``detail``."""
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    else:
        assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert body.get("detail"), body
    return body["detail"]


def post_raw(
    client: TestClient, path: str, text: str | bytes, headers: dict[str, str] | None = None
) -> httpx2.Response:
    """POST a body exactly as given (not re-encoded), labelled as JSON."""
    content = text.encode() if isinstance(text, str) else text
    return client.post(path, content=content, headers={**JSON, **(headers or {})})


def registration(**member: Any) -> dict[str, Any]:
    """A one-member household registration, with ``member`` fields overriding a valid one."""
    return {"members": [{"name": "芦北 花子", "birth_year": 1960, **member}], "pets": 0}


@pytest.fixture
def checked_in(client: TestClient) -> dict[str, Any]:
    """A household of three registered and checked in at S01, so the counts are not all zero."""
    household = make_household(client, size=3)
    response = client.post(
        "/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=HQ
    )
    assert response.status_code == 201, response.text
    return household


# Malformed JSON


def test_a_malformed_json_event_is_refused_with_422_and_a_json_detail(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A truncated JSON event body gets 422 with a JSON detail and changes nothing."""
    with nothing_changes(client, db):
        response = post_raw(client, "/api/v1/events", '{"event_id": "x", "shelter_id": ', HQ)
        refused(response, 422)


def test_a_malformed_json_registration_is_refused_with_422_and_creates_no_household(
    client: TestClient, db: Database
) -> None:
    """A registration body that is not JSON gets 422 and no household is created."""
    with nothing_changes(client, db):
        refused(post_raw(client, "/api/v1/households", "{members: [}"), 422)


def test_a_422_says_which_field_is_wrong_and_why(client: TestClient, db: Database) -> None:
    """A 422 names the offending field and gives a readable reason, not just a status code."""
    with nothing_changes(client, db):
        detail = refused(
            client.post("/api/v1/events", json=event("S01", headcount=5000), headers=HQ), 422
        )
    words = json.dumps(detail, ensure_ascii=False)
    assert "headcount" in words, detail  # which field
    assert "1000" in words, detail  # and the limit it broke


# Wrong types


def test_a_string_headcount_is_refused_with_422(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """headcount "three" (a string, not a number) is refused with 422 and changes nothing."""
    with nothing_changes(client, db):
        body = event("S01", headcount=3) | {"headcount": "three"}
        refused(client.post("/api/v1/events", json=body, headers=HQ), 422)


def test_a_numeric_shelter_id_is_refused_with_422(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """shelter_id 1 (a number, not a string) is refused with 422 and changes nothing."""
    with nothing_changes(client, db):
        body = event("S01", headcount=2) | {"shelter_id": 1}
        refused(client.post("/api/v1/events", json=body, headers=HQ), 422)


def test_a_list_in_place_of_the_event_object_is_refused_with_422(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A JSON list where the event object belongs is refused with 422 and changes nothing."""
    with nothing_changes(client, db):
        body = [event("S01", headcount=2)]
        refused(client.post("/api/v1/events", json=body, headers=HQ), 422)


def test_a_list_in_place_of_a_member_object_is_refused_with_422(
    client: TestClient, db: Database
) -> None:
    """A member given as a list instead of an object is refused with 422, no household made."""
    with nothing_changes(client, db):
        body = {"members": [["芦北 花子", 1960]], "pets": 0}
        refused(client.post("/api/v1/households", json=body), 422)


def test_an_object_in_place_of_the_batch_list_is_refused_with_422(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A batch whose events is one object instead of a list is refused with 422, none applied."""
    with nothing_changes(client, db):
        body = {"events": event("S01", headcount=2)}
        refused(client.post("/api/v1/events/batch", json=body, headers=HQ), 422)


# Huge values


def test_a_headcount_of_ten_to_the_thirty_is_refused_with_a_4xx(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """headcount 10**30 is a 4xx, not a 5xx, and no walk-in group is created."""
    with nothing_changes(client, db):
        body = event("S01", headcount=10**30)
        refused(client.post("/api/v1/events", json=body, headers=HQ))


def test_a_headcount_too_big_for_a_float_is_refused_with_a_4xx(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """headcount 1e400 (valid JSON; it overflows a double to inf) is a 4xx, not a 5xx."""
    text = json.dumps(event("S01", headcount=2)).replace('"headcount": 2', '"headcount": 1e400')
    with nothing_changes(client, db):
        refused(post_raw(client, "/api/v1/events", text, HQ))


def test_a_birth_year_of_ten_to_the_twenty_is_refused_and_creates_no_household(
    client: TestClient, db: Database
) -> None:
    """birth_year 10**20 is a 4xx, not a 5xx, and no household is created."""
    with nothing_changes(client, db):
        refused(client.post("/api/v1/households", json=registration(birth_year=10**20)))


def test_a_latitude_of_1e308_is_refused_and_creates_no_shelter(
    client: TestClient, db: Database
) -> None:
    """A new shelter at lat 1e308 is a 4xx, not a 5xx, and the shelter is not created."""
    body = {"id": "S99", "name": "架空の避難所", "lat": 1e308, "lon": 130.5, "capacity": 10}
    with nothing_changes(client, db):
        refused(client.post("/api/v1/shelters", json=body, headers=HQ))
    assert client.get("/api/v1/shelters/S99").status_code == 404


def test_a_latitude_of_nan_is_refused_with_a_4xx(client: TestClient, db: Database) -> None:
    """lat NaN (a literal the JSON parser accepts) on a new shelter is a 4xx, not a 5xx."""
    text = '{"id": "S99", "name": "架空の避難所", "lat": NaN, "lon": 130.5, "capacity": 10}'
    with nothing_changes(client, db):
        refused(post_raw(client, "/api/v1/shelters", text, HQ))


def test_a_capacity_of_ten_to_the_twelve_is_refused_and_creates_no_shelter(
    client: TestClient, db: Database
) -> None:
    """A new shelter with capacity 10**12 is a 4xx, not a 5xx, and is not created."""
    body = {"id": "S99", "name": "架空の避難所", "lat": 32.3, "lon": 130.5, "capacity": 10**12}
    with nothing_changes(client, db):
        refused(client.post("/api/v1/shelters", json=body, headers=HQ))


def test_patching_a_capacity_of_ten_to_the_twelve_is_refused_and_keeps_the_old_one(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """PATCH capacity 10**12 is a 4xx and the shelter's capacity and version stay as they were."""
    with nothing_changes(client, db):
        response = client.patch("/api/v1/shelters/S01", json={"capacity": 10**12}, headers=HQ)
        refused(response)


def test_a_one_megabyte_member_name_is_refused_and_creates_no_household(
    client: TestClient, db: Database
) -> None:
    """A 1 MB member name is a 4xx, not a 5xx, and no household is created."""
    with nothing_changes(client, db):
        refused(client.post("/api/v1/households", json=registration(name="あ" * 350_000)))


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_occurred_at_at_the_edge_of_the_calendar_is_refused_with_a_4xx(
    client: TestClient, db: Database, checked_in: dict[str, Any], occurred_at: str
) -> None:
    """An occurred_at whose UTC time falls outside year 1..9999 is a 4xx, not a 5xx."""
    body = event("S01", pass_code=checked_in["pass_code"], kind="check_out")
    with nothing_changes(client, db):
        refused(client.post("/api/v1/events", json=body | {"occurred_at": occurred_at}, headers=HQ))


def test_a_batch_event_at_the_edge_of_the_calendar_is_rejected_alone(client: TestClient) -> None:
    """In a batch, an occurred_at outside the calendar in UTC rejects that event only."""
    bad = event("S01", headcount=4, occurred_at="0001-01-01T00:00:00+14:00")
    good = event("S01", headcount=2)
    response = client.post("/api/v1/events/batch", json={"events": [bad, good]}, headers=HQ)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    assert results[0]["reason"], results
    assert occupancy_of(client, "S01") == 2


def test_a_patch_with_one_bad_field_changes_none_of_the_good_ones(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """PATCH with a valid capacity and a null name is refused whole: the capacity stays too."""
    with nothing_changes(client, db):
        body = {"capacity": 5, "name": None}
        refused(client.patch("/api/v1/shelters/S01", json=body, headers=HQ))


def test_a_registration_with_one_bad_member_creates_no_household(
    client: TestClient, db: Database
) -> None:
    """A registration whose second member is invalid stores neither member nor the household."""
    body = registration()
    body["members"].append({"name": "芦北 太郎", "birth_year": 1800})
    with nothing_changes(client, db):
        refused(client.post("/api/v1/households", json=body), 422)


# Unknown ids


def test_an_event_for_an_unknown_shelter_is_404_and_creates_no_walk_in(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A walk-in check-in at a shelter that does not exist is 404 and leaves no household."""
    with nothing_changes(client, db):
        body = event("NO-SUCH-SHELTER", headcount=2)
        refused(client.post("/api/v1/events", json=body, headers=HQ), 404)


def test_an_event_with_an_unknown_pass_is_404_and_changes_nothing(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A check-in with a well-formed pass code nobody holds is 404 and changes nothing."""
    with nothing_changes(client, db):
        body = event("S01", pass_code="0" * 20)
        refused(client.post("/api/v1/events", json=body, headers=HQ), 404)


def test_the_qr_image_of_an_unknown_pass_is_404(client: TestClient) -> None:
    """GET /api/v1/passes/{code}.png for a code nobody holds is 404 with a JSON detail."""
    refused(client.get(f"/api/v1/passes/{'0' * 20}.png"), 404)


def test_revoking_an_unknown_token_id_is_404_and_revokes_nothing(
    client: TestClient, db: Database
) -> None:
    """DELETE /api/v1/tokens/{id} with an id that does not exist is 404; other tokens still work."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    with nothing_changes(client, db):
        refused(client.delete("/api/v1/tokens/0000000000000000", headers=HQ), 404)
    response = client.post("/api/v1/events", json=event("S01", headcount=1), headers=kiosk)
    assert response.status_code == 201, response.text


# Text that must not be stored


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("芦北\x00花子", id="nul"),
        pytest.param("芦北\x07花子", id="bell"),
        pytest.param("芦北\x1b[31m花子", id="escape"),
        pytest.param("芦北\n花子", id="line-feed"),
        pytest.param("芦北\r花子", id="carriage-return"),
        pytest.param("芦北\x7f花子", id="delete"),
    ],
)
def test_a_member_name_with_a_control_character_is_refused_with_422(
    client: TestClient, db: Database, name: str
) -> None:
    """A member name containing a control character is 422 and no household is created."""
    with nothing_changes(client, db):
        refused(client.post("/api/v1/households", json=registration(name=name)), 422)


def test_a_member_name_with_a_lone_surrogate_is_refused_with_422(
    client: TestClient, db: Database
) -> None:
    r"""A name sent as the raw JSON escape "\ud800" (a lone surrogate) is 422, no household made."""
    # The escape travels as six ASCII characters, as a client would send it.
    text = '{"members": [{"name": "\\ud800", "birth_year": 1960}], "pets": 0}'
    with nothing_changes(client, db):
        refused(post_raw(client, "/api/v1/households", text), 422)


def test_an_event_with_a_lone_surrogate_in_its_shelter_id_is_refused_with_a_4xx(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    r"""An event whose shelter_id is the raw JSON escape "\ud800" is a 4xx, not a 5xx."""
    text = json.dumps(event("S01", headcount=2)).replace('"S01"', '"\\ud800"')
    with nothing_changes(client, db):
        refused(post_raw(client, "/api/v1/events", text, HQ))


def test_a_batch_item_with_a_lone_surrogate_event_id_is_rejected_alone(client: TestClient) -> None:
    r"""A batch item whose event_id is the raw JSON escape "\ud800" is rejected; the rest apply."""
    good = event("S01", headcount=2)
    text = '{"events": [{"event_id": "\\ud800", "shelter_id": "S01", "kind": "check_in"}, %s]}'
    response = post_raw(client, "/api/v1/events/batch", text % json.dumps(good), HQ)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    assert occupancy_of(client, "S01") == 2


# Batches


def test_a_batch_of_501_events_is_refused_with_422_and_applies_none(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A batch one over the 500-event limit is 422 and not one of its events is applied."""
    body = {"events": [event("S01", headcount=1) for _ in range(501)]}
    with nothing_changes(client, db):
        refused(client.post("/api/v1/events/batch", json=body, headers=HQ), 422)


def test_non_object_items_in_a_batch_are_rejected_and_the_others_applied(
    client: TestClient, db: Database
) -> None:
    """Items that are not objects (a number, a string, null, a list) are rejected one by one."""
    first, last = event("S01", headcount=2), event("S02", headcount=3)
    items: list[Any] = [first, 42, "check_in", None, ["S01"], last]
    response = client.post("/api/v1/events/batch", json={"events": items}, headers=HQ)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", *["rejected"] * 4, "applied"], results
    assert results[0]["event_id"] == first["event_id"]
    assert results[-1]["event_id"] == last["event_id"]
    assert all(r["reason"] for r in results[1:-1]), results
    assert (occupancy_of(client, "S01"), occupancy_of(client, "S02")) == (2, 3)
    with db.reader() as session:
        assert len(session.exec(select(Event)).all()) == 2


# Auth


def test_an_event_without_a_token_is_401_and_changes_nothing(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A check-in with no Authorization header is 401 and nothing is counted or created."""
    with nothing_changes(client, db):
        refused(client.post("/api/v1/events", json=event("S01", headcount=2)), 401)


def test_an_event_with_an_unknown_token_is_401_and_changes_nothing(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A check-in with a bearer token the service never issued is 401 and changes nothing."""
    headers = {"Authorization": "Bearer sh_not-a-real-token"}
    with nothing_changes(client, db):
        refused(client.post("/api/v1/events", json=event("S01", headcount=2), headers=headers), 401)


def test_a_batch_without_a_token_is_401_and_applies_none(
    client: TestClient, db: Database, checked_in: dict[str, Any]
) -> None:
    """A batch upload with no Authorization header is 401 and none of its events is applied."""
    body = {"events": [event("S01", headcount=2), event("S02", headcount=1)]}
    with nothing_changes(client, db):
        refused(client.post("/api/v1/events/batch", json=body), 401)
