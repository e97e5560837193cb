"""Registering at the door with a headcount larger than the names given (staff and hq)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from shelter.db import Database
from tests.conftest import HQ, make_token, occupancy_of
from tests.households.test_records import assert_counts_exact, check_in, record

HOUSEHOLDS = "/api/v1/households"


def body(size: Any, *names: str) -> dict[str, Any]:
    return {"members": [{"name": n} for n in names], "size": size}


def test_staff_register_a_family_of_five_with_two_names(client: TestClient, db: Database) -> None:
    """size 5 with two names: the household is 5 and its check-in counts 5."""
    staff = make_token(client, role="staff", shelter_id="S01")
    response = client.post(HOUSEHOLDS, json=body(5, "吉尾 春子", "吉尾 夏男"), headers=staff)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["size"] == 5
    assert check_in(client, "S01", created["pass_code"])["people"] == 5
    assert occupancy_of(client, "S01") == 5
    assert len(record(client, created["household_id"])["members"]) == 2
    assert_counts_exact(db)


def test_hq_may_give_a_size_and_without_one_the_names_count(client: TestClient) -> None:
    response = client.post(HOUSEHOLDS, json=body(3, "一"), headers=HQ)
    assert (response.status_code, response.json()["size"]) == (201, 3)
    response = client.post(HOUSEHOLDS, json={"members": [{"name": "一"}, {"name": "二"}]})
    assert (response.status_code, response.json()["size"]) == (201, 2)


def test_a_bad_size_is_refused_and_nothing_is_registered(client: TestClient) -> None:
    """From home, fewer than the names, over 30, or not a number: 422, nobody registered."""
    staff = make_token(client, role="staff", shelter_id="S01")
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    for headers, size in (
        ({}, 5),
        (kiosk, 5),
        (staff, 1),
        (staff, 31),
        (staff, 0),
        (staff, "five"),
    ):
        response = client.post(HOUSEHOLDS, json=body(size, "一", "二"), headers=headers)
        assert response.status_code == 422, (headers, size, response.text)
        assert "size" in response.text
    with_size = client.post(HOUSEHOLDS, json=body(None, "一"), headers={})
    assert (with_size.status_code, with_size.json()["size"]) == (201, 1)
