"""Registration from home: what a household may give, and what a public answer never says."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import HQ


def test_a_household_of_one_that_gives_only_a_name_registers(client: TestClient) -> None:
    """{"members": [{"name": …}]} is enough; the answer is exactly id, pass and size."""
    response = client.post("/api/v1/households", json={"members": [{"name": "芦北 花子"}]})
    assert response.status_code == 201
    assert set(response.json()) == {"household_id", "pass_code", "size"}
    assert response.json()["size"] == 1


def test_stay_and_consent_are_kept(client: TestClient) -> None:
    """stay and consent_safety_info reach the record staff and hq read."""
    body = {
        "members": [
            {"name": "芦北 花子", "name_kana": "あしきた はなこ", "birth_year": 1948, "sex": "女"}
        ],
        "pets": 1,
        "language": "ja",
        "phone": "0966-82-2511",
        "stay": "car",
        "consent_safety_info": True,
    }
    created = client.post("/api/v1/households", json=body).json()
    record = client.get(f"/api/v1/households/{created['household_id']}", headers=HQ).json()
    assert (record["stay"], record["consent_safety_info"], record["origin"]) == (
        "car",
        True,
        "self",
    )


def test_stay_and_consent_default_to_unsaid_and_no(client: TestClient) -> None:
    """Without them, stay is null and consent is false."""
    created = client.post("/api/v1/households", json={"members": [{"name": "一"}]}).json()
    record = client.get(f"/api/v1/households/{created['household_id']}", headers=HQ).json()
    assert (record["stay"], record["consent_safety_info"]) == (None, False)


@pytest.mark.parametrize(
    "extra",
    [{"stay": "tent"}, {"stay": ""}, {"consent_safety_info": "perhaps"}, {"consent": True}],
)
def test_an_unknown_stay_or_a_bad_consent_is_422(client: TestClient, extra: dict[str, Any]) -> None:
    """Only shelter, home, car, relatives or null; consent is a boolean."""
    response = client.post("/api/v1/households", json={"members": [{"name": "一"}], **extra})
    assert response.status_code == 422


def test_no_public_answer_carries_a_name(client: TestClient) -> None:
    """Registration, the QR and the public card never put the name in their answer."""
    created = client.post("/api/v1/households", json={"members": [{"name": "NAMEMARK"}]}).json()
    code = created["pass_code"]
    for response in (
        client.get(f"/api/v1/passes/{code}.png"),
        client.get(f"/api/v1/passes/{code}/card.png"),
    ):
        assert response.status_code == 200
        assert b"NAMEMARK" not in response.content
    assert "NAMEMARK" not in str(created)
    assert client.get(f"/api/v1/households/{created['household_id']}").status_code == 401
