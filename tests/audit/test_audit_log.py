"""The audit log: every read or change of personal data leaves who, what and when, for hq."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import HQ, event, make_token

AUDIT = "/api/v1/audit"


def register(client: TestClient, name: str = "芦北 花子") -> dict[str, Any]:
    response = client.post(
        "/api/v1/households", json={"members": [{"name": name}], "phone": "0966-82-2511"}
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def entries(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(AUDIT, params=params, headers=HQ)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


@pytest.fixture
def staff(client: TestClient) -> dict[str, str]:
    return make_token(client, role="staff", shelter_id="S01")


@pytest.fixture
def household(client: TestClient) -> dict[str, Any]:
    """A household of one inside S01."""
    created = register(client)
    response = client.post(
        "/api/v1/events", json=event("S01", pass_code=created["pass_code"]), headers=HQ
    )
    assert response.status_code == 201
    return created


def whoami(client: TestClient, headers: dict[str, str]) -> str:
    token_id: str = client.get("/api/v1/tokens/me", headers=headers).json()["id"]
    return token_id


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_roster_read_is_audited_with_who_and_which_shelter(
    client: TestClient, staff: dict[str, str], household: dict[str, Any], fmt: str
) -> None:
    """JSON and CSV rosters both leave an entry with the token, role and shelter."""
    response = client.get("/api/v1/shelters/S01/roster", params={"format": fmt}, headers=staff)
    assert response.status_code == 200
    [entry] = entries(client, action="roster")
    assert (entry["token_id"], entry["role"], entry["shelter_id"]) == (
        whoami(client, staff),
        "staff",
        "S01",
    )
    assert entry["detail"].startswith(fmt)
    assert entry["at"]


def test_reads_and_changes_of_a_record_are_each_audited(
    client: TestClient, staff: dict[str, str], household: dict[str, Any]
) -> None:
    """Read, named card, correction, erasure: one entry each, newest first, for the household."""
    url = f"/api/v1/households/{household['household_id']}"
    assert client.get(url, headers=staff).status_code == 200
    assert client.get(url + "/card.png", headers=staff).status_code == 200
    body = {"members": [{"name": "芦北 花子"}]}
    assert client.put(url, json=body, headers=staff).status_code == 200
    assert client.delete(url, headers=HQ).status_code == 204
    got = entries(client, household_id=household["household_id"])
    assert [e["action"] for e in got] == ["erase", "correct", "card", "read"]
    assert [e["role"] for e in got] == ["hq", "staff", "staff", "staff"]
    assert all(e["shelter_id"] == "S01" for e in got)
    assert [e["id"] for e in got] == sorted((e["id"] for e in got), reverse=True)


def test_a_merge_is_audited_on_both_records(client: TestClient) -> None:
    """The merge shows up whichever of the two households hq looks up."""
    into, other = register(client, "母"), register(client, "父")
    response = client.post(
        f"/api/v1/households/{into['household_id']}/merge",
        json={"from_household_id": other["household_id"]},
        headers=HQ,
    )
    assert response.status_code == 200
    [merge] = entries(client, household_id=into["household_id"])
    [away] = entries(client, household_id=other["household_id"])
    assert (merge["action"], away["action"]) == ("merge", "merged_away")
    assert other["household_id"] in merge["detail"]


def test_registration_by_staff_is_audited_and_self_registration_is_not(
    client: TestClient, staff: dict[str, str]
) -> None:
    """Staff registering on someone's behalf leave an entry; a resident at home does not."""
    register(client)
    response = client.post(
        "/api/v1/households", json={"members": [{"name": "田浦 一郎"}]}, headers=staff
    )
    assert response.status_code == 201
    assert [(e["action"], e["household_id"]) for e in entries(client)] == [
        ("register", response.json()["household_id"])
    ]


def test_a_sheet_of_passes_is_audited(client: TestClient) -> None:
    """Making pre-printed passes leaves one entry saying how many."""
    client.post("/api/v1/passes/sheet", json={"count": 3}, headers=HQ)
    [entry] = entries(client)
    assert (entry["action"], entry["detail"]) == ("sheet", "3 passes")


def test_entries_never_hold_the_personal_data_itself(
    client: TestClient, staff: dict[str, str], household: dict[str, Any]
) -> None:
    """Names and phone numbers appear in no entry, whatever was read."""
    client.get(f"/api/v1/households/{household['household_id']}", headers=staff)
    client.get("/api/v1/shelters/S01/roster", headers=staff)
    text = client.get(AUDIT, headers=HQ).text
    # The whole number, as typed or as digits: four digits alone can turn up in an id.
    assert "芦北" not in text and "0966-82-2511" not in text and "0966822511" not in text


def test_a_refused_read_leaves_no_entry(client: TestClient, household: dict[str, Any]) -> None:
    """A kiosk or another shelter's staff is refused, and the refusal changes nothing."""
    for headers in (
        make_token(client, role="kiosk", shelter_id="S01"),
        make_token(client, role="staff", shelter_id="S02"),
    ):
        url = f"/api/v1/households/{household['household_id']}"
        assert client.get(url, headers=headers).status_code == 403
        assert client.get("/api/v1/shelters/S01/roster", headers=headers).status_code == 403
    assert entries(client) == []


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("kiosk", 403), ("staff", 403)])
def test_only_hq_reads_the_audit_log(client: TestClient, role: str | None, status: int) -> None:
    """No token: 401; kiosk or staff: 403."""
    headers = make_token(client, role=role, shelter_id="S01") if role else {}
    assert client.get(AUDIT, headers=headers).status_code == status


def test_the_log_pages_back_with_limit_and_before_id(
    client: TestClient, staff: dict[str, str], household: dict[str, Any]
) -> None:
    """limit cuts the newest entries; before_id continues from the last one seen."""
    for _ in range(5):
        client.get("/api/v1/shelters/S01/roster", headers=staff)
    first = entries(client, limit=2)
    rest = entries(client, before_id=first[-1]["id"])
    assert len(first) == 2 and len(rest) == 3
    assert [e["id"] for e in first + rest] == sorted((e["id"] for e in first + rest), reverse=True)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 100000}, {"action": "dance"}, {"before_id": "x"}]
)
def test_bad_filters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    """Out-of-range limits, unknown actions and non-numeric ids are refused, not a 500."""
    assert client.get(AUDIT, params=params, headers=HQ).status_code == 422
