"""Abuse limits: guessing passes and spamming registrations get 429, real kiosks never."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelter.app import create_app
from shelter.config import Settings
from tests.conftest import ADMIN, HQ, event, make_household, make_token


@pytest.fixture
def strict(tmp_path: Path) -> TestClient:
    """An app with small limits so tests reach them quickly."""
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'l.db'}",
        admin_token=ADMIN,
        rate_unknown_pass="5/minute",
        rate_register="5/minute",
    )
    with TestClient(create_app(config)) as client:
        yield client  # type: ignore[misc]


def guess(client: TestClient, headers: dict[str, str], n: int) -> int:
    return client.post(
        "/api/v1/events", json=event("S01", pass_code=f"GUESS{n:015d}"), headers=headers
    ).status_code


def test_guessing_pass_codes_is_answered_429_with_retry_after(strict: TestClient) -> None:
    """After five misses a token gets 429 with Retry-After, even for a real code."""
    kiosk = make_token(strict, role="kiosk", shelter_id="S01")
    assert [guess(strict, kiosk, n) for n in range(5)] == [404] * 5
    household = make_household(strict, size=1)
    response = strict.post(
        "/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=kiosk
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "wait" in response.json()["detail"]


def test_a_kiosk_scanning_real_passes_at_full_speed_is_never_limited(strict: TestClient) -> None:
    """Only misses count: a hundred good scans in a row all succeed."""
    kiosk = make_token(strict, role="kiosk", shelter_id="S01")
    households = [make_household(strict, size=1) for _ in range(4)] * 25  # 5/min registrations
    codes = [
        strict.post(
            "/api/v1/events", json=event("S01", pass_code=h["pass_code"]), headers=kiosk
        ).status_code
        for h in households
    ]
    assert set(codes) <= {200, 201}


def test_walk_ins_are_never_limited(strict: TestClient) -> None:
    """A blocked token may still check in walk-ins: nobody is refused at the door."""
    kiosk = make_token(strict, role="kiosk", shelter_id="S01")
    for n in range(6):
        guess(strict, kiosk, n)
    response = strict.post("/api/v1/events", json=event("S01", headcount=2), headers=kiosk)
    assert response.status_code == 201


def test_batch_misses_count_towards_the_limit(strict: TestClient) -> None:
    """An offline upload full of unknown passes cannot be used to guess faster: it meets
    five unknown codes (the allowance), the rest are deferred unread, and the next upload
    looks up no code at all while its walk-ins still count."""
    events = [event("S01", pass_code=f"GUESS{n:015d}") for n in range(8)]
    first = strict.post("/api/v1/events/batch", json={"events": events}, headers=HQ)
    assert first.status_code == 200
    statuses = [(r["status"], r["code"]) for r in first.json()["results"]]
    assert statuses == [("rejected", "unknown_pass")] * 5 + [("deferred", "too_many_requests")] * 3
    assert 1 <= int(first.headers["Retry-After"]) <= 60
    again = [event("S01", pass_code="ABCDEFGHJKMNPQRSTVWX"), event("S01", headcount=2)]
    second = strict.post("/api/v1/events/batch", json={"events": again}, headers=HQ).json()
    assert [r["status"] for r in second["results"]] == ["deferred", "applied"]


def test_a_real_pass_deferred_in_a_batch_is_not_lost(strict: TestClient) -> None:
    """Deferred means not looked at and not stored: the kiosk sends it again later, and a
    walk-in in the same upload (no pass code, nothing to guess) is applied at once."""
    household = make_household(strict, size=2)
    kiosk = make_token(strict, role="kiosk", shelter_id="S01")
    events = [event("S01", pass_code=f"GUESS{n:015d}") for n in range(5)]
    events += [event("S01", pass_code=household["pass_code"]), event("S01", headcount=3)]
    results = strict.post("/api/v1/events/batch", json={"events": events}, headers=kiosk).json()
    assert [r["status"] for r in results["results"][5:]] == ["deferred", "applied"]
    assert strict.get("/api/v1/shelters/S01").json()["occupancy"] == 3


def test_guessing_pass_images_is_limited_per_address(strict: TestClient) -> None:
    """The public pass image answers 429 after five unknown codes from one address."""
    codes = [strict.get(f"/api/v1/passes/GUESS{n:015d}.png").status_code for n in range(6)]
    assert codes == [404] * 5 + [429]


def test_registration_spam_is_limited_but_staff_are_not(strict: TestClient) -> None:
    """Anonymous registrations from one address stop at the limit; tokens are exempt."""
    body = {"members": [{"name": "テスト"}]}
    codes = [strict.post("/api/v1/households", json=body).status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]
    staff = make_token(strict, role="staff", shelter_id="S01")
    assert strict.post("/api/v1/households", json=body, headers=staff).status_code == 201
    bad = {"Authorization": "Bearer wrong"}
    assert strict.post("/api/v1/households", json=body, headers=bad).status_code == 401


def test_anonymous_guessing_behind_a_shared_address_never_blocks_a_kiosk(
    strict: TestClient,
) -> None:
    """Phones on the shelter Wi-Fi share the kiosk's address (NAT): their unknown pass
    images get 429, and the kiosk's real check-out and batch upload still go through."""
    kiosk = make_token(strict, role="kiosk", shelter_id="S01")
    household = make_household(strict, size=1)
    checked_in = strict.post(
        "/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=kiosk
    )
    assert checked_in.status_code == 201
    guesses = [strict.get(f"/api/v1/passes/GUESS{n:015d}.png").status_code for n in range(8)]
    assert guesses[-1] == 429
    out = strict.post(
        "/api/v1/events",
        json=event("S01", "check_out", pass_code=household["pass_code"]),
        headers=kiosk,
    )
    assert out.status_code == 201
    batch = strict.post(
        "/api/v1/events/batch",
        json={"events": [event("S01", pass_code=household["pass_code"])]},
        headers=kiosk,
    )
    assert batch.status_code == 200
    assert batch.json()["results"][0]["status"] == "applied"


@pytest.fixture
def guarded(tmp_path: Path) -> TestClient:
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'g.db'}",
        admin_token=ADMIN,
        rate_failed_auth="3/minute",
    )
    with TestClient(create_app(config)) as client:
        yield client  # type: ignore[misc]


def test_wrong_tokens_are_throttled_per_address_but_never_a_working_kiosk(
    guarded: TestClient,
) -> None:
    """Three wrong bearer tokens from an address, then 429 with Retry-After for unproven
    tokens; the kiosk behind that address whose token already worked keeps checking in."""
    kiosk = make_token(guarded, role="kiosk", shelter_id="S01")
    assert (
        guarded.post("/api/v1/events", json=event("S01", headcount=1), headers=kiosk).status_code
        == 201
    )
    wrong = [
        guarded.get("/api/v1/tokens/me", headers={"Authorization": f"Bearer wrong-{n}"})
        for n in range(4)
    ]
    assert [r.status_code for r in wrong] == [401, 401, 401, 429]
    assert 1 <= int(wrong[-1].headers["Retry-After"]) <= 60
    wrong_event = guarded.post(
        "/api/v1/events", json=event("S01", headcount=1), headers={"Authorization": "Bearer nope"}
    )
    assert wrong_event.status_code == 429
    assert (
        guarded.post("/api/v1/events", json=event("S01", headcount=2), headers=kiosk).status_code
        == 201
    )
    assert guarded.get("/api/v1/tokens", headers=HQ).status_code == 200  # HQ was proven too


def test_a_revoked_tablet_retrying_never_locks_out_its_address(guarded: TestClient) -> None:
    """A lost tablet whose token was revoked keeps retrying from the shelter Wi-Fi: its
    refusals are not guesses, so a new kiosk enrolled there is not held back."""
    lost = make_token(guarded, role="kiosk", shelter_id="S01")
    me = guarded.get("/api/v1/tokens/me", headers=lost).json()["id"]
    assert guarded.delete(f"/api/v1/tokens/{me}", headers=HQ).status_code == 204
    retries = [guarded.get("/api/v1/tokens/me", headers=lost).status_code for _ in range(6)]
    assert retries == [401] * 6
    fresh = make_token(guarded, role="kiosk", shelter_id="S01")
    assert guarded.get("/api/v1/tokens/me", headers=fresh).status_code == 200
