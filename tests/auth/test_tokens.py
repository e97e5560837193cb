"""Tokens and roles: who may do what, revocation, hashing at rest, the first-start hq token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine.url import make_url
from sqlmodel import select

from shelter.app import create_app
from shelter.auth.service import hash_token
from shelter.config import Settings
from shelter.db import Database
from shelter.tables import Token
from tests.conftest import HQ, event, make_household, make_token, occupancy_of

NEW_SHELTER = {"id": "S06", "name": "臨時避難所", "lat": 32.3, "lon": 130.5, "capacity": 50}

# One request per guarded endpoint: (method, path, json body).
GUARDED: list[tuple[str, str, Any]] = [
    ("POST", "/api/v1/events", event("S01", headcount=1)),
    ("POST", "/api/v1/events/batch", {"events": []}),
    ("GET", "/api/v1/shelters/S01/roster", None),
    ("GET", "/api/v1/tokens", None),
    ("POST", "/api/v1/tokens", {"role": "kiosk", "shelter_id": "S01"}),
    ("DELETE", "/api/v1/tokens/nosuchid", None),
    ("POST", "/api/v1/shelters", NEW_SHELTER),
    ("PATCH", "/api/v1/shelters/S01", {"capacity": 10}),
]
GUARDED_IDS = [f"{method} {path}" for method, path, _ in GUARDED]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def create_token(client: TestClient, role: str, shelter_id: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/tokens", json={"role": role, "shelter_id": shelter_id, "label": "door"}, headers=HQ
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database
    assert database
    return Path(database)


@pytest.mark.parametrize(("method", "path", "body"), GUARDED, ids=GUARDED_IDS)
def test_a_guarded_endpoint_without_a_token_is_401_with_a_bearer_challenge(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    """No Authorization header answers 401 and WWW-Authenticate: Bearer."""
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), GUARDED, ids=GUARDED_IDS)
def test_a_guarded_endpoint_with_an_unknown_token_is_401(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    """A bearer token the service never issued answers 401 and WWW-Authenticate: Bearer."""
    response = client.request(method, path, json=body, headers=bearer("sh_not-a-real-token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_non_bearer_authorization_header_is_401(client: TestClient) -> None:
    """Basic credentials are not a token: 401, not 403 or 500."""
    response = client.get(
        "/api/v1/shelters/S01/roster", headers={"Authorization": f"Basic {HQ['Authorization']}"}
    )
    assert response.status_code == 401


def test_unguarded_reads_and_registration_need_no_token(client: TestClient) -> None:
    """Public callers read shelters and occupancy and register a household without a token."""
    assert client.get("/api/v1/shelters").status_code == 200
    assert client.get("/api/v1/shelters/S01").status_code == 200
    assert client.get("/api/v1/occupancy").status_code == 200
    make_household(client, size=1)


@pytest.mark.parametrize("role", ["kiosk", "staff"])
def test_hq_creates_a_token_with_the_contract_fields(client: TestClient, role: str) -> None:
    """POST /api/v1/tokens by hq answers 201 with id, token, role and shelter_id."""
    response = client.post(
        "/api/v1/tokens", json={"role": role, "shelter_id": "S02", "label": "gym"}, headers=HQ
    )
    assert response.status_code == 201
    body = response.json()
    assert {"id", "token", "role", "shelter_id"} <= set(body)
    assert (body["role"], body["shelter_id"]) == (role, "S02")
    assert body["id"] and body["token"] and body["token"] != body["id"]


def test_a_new_token_works_at_once(client: TestClient) -> None:
    """The very next request with a freshly made kiosk token is accepted."""
    kiosk = bearer(create_token(client, "kiosk", "S01")["token"])
    response = client.post("/api/v1/events", json=event("S01", headcount=1), headers=kiosk)
    assert response.status_code == 201, response.text


def test_each_new_token_has_its_own_secret_and_id(client: TestClient) -> None:
    """Two tokens made alike differ in both id and secret."""
    first, second = (create_token(client, "kiosk", "S01") for _ in range(2))
    assert first["id"] != second["id"]
    assert first["token"] != second["token"]


def test_a_token_for_an_unknown_shelter_is_404(client: TestClient) -> None:
    """hq asking for a token of a shelter that does not exist gets 404, and no token is made."""
    before = client.get("/api/v1/tokens", headers=HQ).json()
    response = client.post(
        "/api/v1/tokens", json={"role": "staff", "shelter_id": "S99", "label": "x"}, headers=HQ
    )
    assert response.status_code == 404
    assert response.json()["detail"]
    assert client.get("/api/v1/tokens", headers=HQ).json() == before


def test_a_kiosk_posts_events_for_its_own_shelter(client: TestClient) -> None:
    """A kiosk of S01 checks a household in to S01 (201) and S01's count rises."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    household = make_household(client, size=2)
    response = client.post(
        "/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=kiosk
    )
    assert response.status_code == 201, response.text
    assert occupancy_of(client, "S01") == 2


def test_a_kiosk_cannot_post_events_for_another_shelter(client: TestClient) -> None:
    """A kiosk of S01 posting for S02 gets 403 and S02's count does not change."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    household = make_household(client, size=2)
    before = occupancy_of(client, "S02")
    response = client.post(
        "/api/v1/events", json=event("S02", pass_code=household["pass_code"]), headers=kiosk
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert occupancy_of(client, "S02") == before


def test_a_kiosk_batch_rejects_only_the_events_for_another_shelter(client: TestClient) -> None:
    """In a kiosk's batch, its own shelter's event applies and another shelter's is rejected."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    own, other = event("S01", headcount=2), event("S02", headcount=3)
    response = client.post("/api/v1/events/batch", json={"events": [own, other]}, headers=kiosk)
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["applied", "rejected"]
    assert (occupancy_of(client, "S01"), occupancy_of(client, "S02")) == (2, 0)


@pytest.mark.parametrize("shelter_id", ["S01", "S02"])
def test_a_kiosk_cannot_read_a_roster(client: TestClient, shelter_id: str) -> None:
    """A kiosk token gets 403 for the roster, even of its own shelter."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    response = client.get(f"/api/v1/shelters/{shelter_id}/roster", headers=kiosk)
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["kiosk", "staff"])
def test_a_scoped_token_cannot_create_tokens(client: TestClient, role: str) -> None:
    """Kiosk and staff tokens get 403 from POST /api/v1/tokens, even for their own shelter."""
    token = make_token(client, role=role, shelter_id="S01")
    response = client.post(
        "/api/v1/tokens", json={"role": "kiosk", "shelter_id": "S01", "label": "x"}, headers=token
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["kiosk", "staff"])
def test_a_scoped_token_cannot_create_shelters(client: TestClient, role: str) -> None:
    """Kiosk and staff tokens get 403 from POST /api/v1/shelters and no shelter appears."""
    token = make_token(client, role=role, shelter_id="S01")
    response = client.post("/api/v1/shelters", json=NEW_SHELTER, headers=token)
    assert response.status_code == 403
    assert client.get("/api/v1/shelters/S06").status_code == 404


@pytest.mark.parametrize("role", ["kiosk", "staff"])
def test_a_scoped_token_cannot_revoke_tokens(client: TestClient, role: str) -> None:
    """Kiosk and staff tokens get 403 from DELETE /api/v1/tokens/{id}; the target still works."""
    victim = create_token(client, "kiosk", "S01")
    token = make_token(client, role=role, shelter_id="S01")
    response = client.delete(f"/api/v1/tokens/{victim['id']}", headers=token)
    assert response.status_code == 403
    check = client.post(
        "/api/v1/events", json=event("S01", headcount=1), headers=bearer(victim["token"])
    )
    assert check.status_code == 201


def test_staff_reads_its_own_shelters_roster(client: TestClient) -> None:
    """A staff token of S01 gets 200 for S01's roster."""
    staff = make_token(client, role="staff", shelter_id="S01")
    response = client.get("/api/v1/shelters/S01/roster", headers=staff)
    assert response.status_code == 200
    assert response.json()["shelter_id"] == "S01"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_staff_cannot_read_another_shelters_roster(client: TestClient, fmt: str) -> None:
    """A staff token of S01 gets 403 for S02's roster, in either format."""
    staff = make_token(client, role="staff", shelter_id="S01")
    household = make_household(client)
    client.post("/api/v1/events", json=event("S02", pass_code=household["pass_code"]), headers=HQ)
    response = client.get("/api/v1/shelters/S02/roster", params={"format": fmt}, headers=staff)
    assert response.status_code == 403
    assert household["household_id"] not in response.text


def test_staff_posts_events_for_its_own_shelter(client: TestClient) -> None:
    """A staff token of S01 checks a household in to S01 (201)."""
    staff = make_token(client, role="staff", shelter_id="S01")
    household = make_household(client, size=1)
    response = client.post(
        "/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=staff
    )
    assert response.status_code == 201, response.text
    assert occupancy_of(client, "S01") == 1


def test_staff_cannot_post_events_for_another_shelter(client: TestClient) -> None:
    """A staff token of S01 posting for S02 gets 403."""
    staff = make_token(client, role="staff", shelter_id="S01")
    response = client.post("/api/v1/events", json=event("S02", headcount=1), headers=staff)
    assert response.status_code == 403
    assert occupancy_of(client, "S02") == 0


def test_hq_reads_every_shelters_roster(client: TestClient) -> None:
    """The hq token gets 200 for the roster of each seeded shelter."""
    for shelter_id in ("S01", "S02", "S03", "S04", "S05"):
        assert client.get(f"/api/v1/shelters/{shelter_id}/roster", headers=HQ).status_code == 200


def test_a_revoked_token_is_refused_on_the_very_next_request(client: TestClient) -> None:
    """DELETE /api/v1/tokens/{id} by hq answers 204; the next request with it answers 401."""
    created = create_token(client, "staff", "S01")
    staff = bearer(created["token"])
    assert client.get("/api/v1/shelters/S01/roster", headers=staff).status_code == 200
    response = client.delete(f"/api/v1/tokens/{created['id']}", headers=HQ)
    assert response.status_code == 204
    assert response.content == b""
    after = client.get("/api/v1/shelters/S01/roster", headers=staff)
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"


def test_revoking_one_token_leaves_the_others_working(client: TestClient) -> None:
    """Revoking a kiosk token of S01 does not affect another kiosk token of S01."""
    revoked, kept = (create_token(client, "kiosk", "S01") for _ in range(2))
    assert client.delete(f"/api/v1/tokens/{revoked['id']}", headers=HQ).status_code == 204
    response = client.post(
        "/api/v1/events", json=event("S01", headcount=1), headers=bearer(kept["token"])
    )
    assert response.status_code == 201


def test_revoking_an_unknown_token_is_404(client: TestClient) -> None:
    """DELETE of a token id that does not exist answers 404."""
    assert client.delete("/api/v1/tokens/nosuchid", headers=HQ).status_code == 404


def test_token_secrets_are_not_stored_in_the_tokens_table(client: TestClient, db: Database) -> None:
    """No column of any tokens row holds a secret; the row keeps its sha256 instead."""
    secrets = [create_token(client, role, "S01")["token"] for role in ("kiosk", "staff")]
    with db.reader() as session:
        rows = session.exec(select(Token)).all()
    stored = [str(value) for row in rows for value in row.model_dump().values()]
    for secret in secrets:
        assert not any(secret in value for value in stored)
        assert hash_token(secret) in stored


@pytest.mark.sqlite_only
def test_token_secrets_appear_nowhere_in_the_sqlite_files(
    client: TestClient, settings: Settings
) -> None:
    """The database file and its WAL hold the tokens' hashes but never their secrets."""
    secrets = [create_token(client, role, "S01")["token"] for role in ("kiosk", "staff")]
    path = sqlite_path(settings)
    files = [path, path.with_name(path.name + "-wal")]
    data = b"".join(f.read_bytes() for f in files if f.exists())
    for secret in secrets:
        # The search reaches the stored rows: the hash is found, the secret is not.
        assert hash_token(secret).encode() in data
        assert secret.encode() not in data


@pytest.fixture
def no_admin_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}", admin_token=None)


def test_first_start_without_an_admin_token_makes_a_working_hq_token(
    no_admin_settings: Settings,
) -> None:
    """With no SHELTER_ADMIN_TOKEN, startup makes an hq token that can create tokens."""
    app = create_app(no_admin_settings)
    with TestClient(app) as client:
        secret = app.state.admin_secret
        assert isinstance(secret, str) and len(secret) >= 20
        response = client.post(
            "/api/v1/tokens",
            json={"role": "staff", "shelter_id": "S01", "label": "x"},
            headers=bearer(secret),
        )
        assert response.status_code == 201, response.text
        assert client.get("/api/v1/shelters/S05/roster", headers=bearer(secret)).status_code == 200


def test_the_first_start_hq_token_is_stored_hashed(no_admin_settings: Settings) -> None:
    """The generated hq secret is not in the database; only its hash is."""
    app = create_app(no_admin_settings)
    with TestClient(app):
        secret = app.state.admin_secret
        with app.state.db.reader() as session:
            rows = session.exec(select(Token)).all()
    assert [row.role for row in rows] == ["hq"]
    assert rows[0].token_hash == hash_token(secret)
    assert all(secret not in str(value) for value in rows[0].model_dump().values())


def test_a_second_start_of_the_same_database_makes_no_new_hq_token(
    no_admin_settings: Settings,
) -> None:
    """Restarting on the same database keeps the first hq token and mints no other."""
    first = create_app(no_admin_settings)
    with TestClient(first):
        secret = first.state.admin_secret
    assert secret
    second = create_app(no_admin_settings)
    with TestClient(second) as client:
        assert second.state.admin_secret is None
        with second.state.db.reader() as session:
            hq_rows = session.exec(select(Token).where(Token.role == "hq")).all()
        assert len(hq_rows) == 1
        assert client.get("/api/v1/tokens", headers=bearer(secret)).status_code == 200


def test_with_an_admin_token_set_no_hq_token_is_minted(app: Any, client: TestClient) -> None:
    """When SHELTER_ADMIN_TOKEN is set, startup stores no hq token of its own."""
    assert app.state.admin_secret is None
    tokens = client.get("/api/v1/tokens", headers=HQ).json()
    assert [t for t in tokens if t["role"] == "hq"] == []


def test_a_kiosk_heartbeat_shows_hq_when_it_was_last_seen_and_its_outbox(
    client: TestClient,
) -> None:
    """The kiosk reports; HQ's token list shows it online with its outbox, and a revoked
    token is never shown online."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    quiet = make_token(client, role="kiosk", shelter_id="S02")
    answer = client.post("/api/v1/tokens/me/heartbeat", json={"outbox": 7}, headers=kiosk)
    assert answer.status_code == 204
    tokens = client.get("/api/v1/tokens", headers=HQ).json()
    me = client.get("/api/v1/tokens/me", headers=kiosk).json()
    listed = {t["id"]: t for t in tokens}
    assert listed[me["id"]]["online"] is True
    assert listed[me["id"]]["outbox"] == 7
    assert listed[me["id"]]["last_seen_at"] is not None
    silent = client.get("/api/v1/tokens/me", headers=quiet).json()["id"]
    assert listed[silent]["online"] is False and listed[silent]["last_seen_at"] is None
    assert client.delete(f"/api/v1/tokens/{me['id']}", headers=HQ).status_code == 204
    after = {t["id"]: t for t in client.get("/api/v1/tokens", headers=HQ).json()}
    assert after[me["id"]]["online"] is False


def test_a_heartbeat_with_a_bad_outbox_is_refused_and_changes_nothing(
    client: TestClient,
) -> None:
    """A negative or missing count is a 422; the last good report stands."""
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    assert (
        client.post("/api/v1/tokens/me/heartbeat", json={"outbox": 2}, headers=kiosk).status_code
        == 204
    )
    for body in ({"outbox": -1}, {}, {"outbox": "many"}):
        assert (
            client.post("/api/v1/tokens/me/heartbeat", json=body, headers=kiosk).status_code == 422
        )
    me = client.get("/api/v1/tokens/me", headers=kiosk).json()["id"]
    listed = {t["id"]: t for t in client.get("/api/v1/tokens", headers=HQ).json()}
    assert listed[me]["outbox"] == 2
    assert client.post("/api/v1/tokens/me/heartbeat", json={"outbox": 1}).status_code == 401
