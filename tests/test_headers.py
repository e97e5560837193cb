"""Every answer says nosniff; API answers with tokens or personal data are never cached."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import HQ, make_household, make_token


def test_every_answer_says_nosniff(client: TestClient) -> None:
    """Pages, API answers, errors and images alike."""
    household = make_household(client, size=1)
    for path in (
        "/",
        "/api/v1/shelters",
        "/api/v1/nope",
        f"/api/v1/passes/{household['pass_code']}.png",
        "/openapi.json",
    ):
        assert client.get(path).headers["X-Content-Type-Options"] == "nosniff", path


def test_answers_with_tokens_or_personal_data_are_never_stored(client: TestClient) -> None:
    """A new token, the token list, whoami, a registration's pass code, a record, needs."""
    made = client.post("/api/v1/tokens", json={"role": "kiosk", "shelter_id": "S01"}, headers=HQ)
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    registered = client.post("/api/v1/households", json={"members": [{"name": "芦北 花子"}]})
    answers = [
        made,
        registered,
        client.get("/api/v1/tokens", headers=HQ),
        client.get("/api/v1/tokens/me", headers=kiosk),
        client.get(f"/api/v1/households/{registered.json()['household_id']}", headers=HQ),
        client.get("/api/v1/needs", headers=HQ),
        client.get("/api/v1/audit", headers=HQ),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        assert answer.headers["Cache-Control"] == "no-store", answer.request.url


def test_answers_meant_for_caching_keep_their_own_rules(client: TestClient) -> None:
    """Occupancy polls with an ETag; a pass image may be kept by its holder's browser."""
    household = make_household(client, size=1)
    assert client.get("/api/v1/occupancy").headers["Cache-Control"] == "no-cache"
    image = client.get(f"/api/v1/passes/{household['pass_code']}.png")
    assert image.headers["Cache-Control"].startswith("private")
