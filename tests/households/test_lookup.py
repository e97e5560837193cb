"""Finding a household at the desk by a member's full name and year of birth (#13)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shelter.app import create_app
from shelter.config import Settings
from shelter.households.lookup import name_key
from tests.conftest import ADMIN, HQ, make_token, occupancy_of
from tests.households.test_records import check_in, register

FIND = "/api/v1/shelters/{}/lookup"
CHECK_IN = "/api/v1/shelters/{}/lookup/check-in"
HANAKO = {"name": "芦北 花子", "name_kana": "あしきた はなこ", "birth_year": 1948}
FAMILY = (HANAKO, {"name": "芦北 一郎", "birth_year": 1975, "needs": ["wheelchair"]})


def find(
    client: TestClient, headers: dict[str, str], name: str, year: object, shelter: str = "S01"
) -> Any:
    return client.post(
        FIND.format(shelter), json={"name": name, "birth_year": year}, headers=headers
    )


def found(client: TestClient, headers: dict[str, str], name: str, year: object) -> list[Any]:
    response = find(client, headers, name, year)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    matches: list[Any] = response.json()["matches"]
    assert response.json()["found"] is bool(matches)
    return matches


def test_names_fold_width_spaces_and_katakana() -> None:
    """Full-width, spaces and katakana fold to one key; kanji stay kanji."""
    assert name_key("アシキタ　ハナコ") == name_key("あしきた はなこ") == "あしきたはなこ"
    assert name_key("ｱｼｷﾀ ﾊﾅｺ") == "あしきたはなこ"
    assert name_key("芦北　花子") == name_key("芦北花子")
    assert name_key("SMITH・John") == name_key("smith john")


def test_exact_name_and_year_find_the_household_with_no_names(client: TestClient) -> None:
    """Kanji, kana (hiragana or katakana) and an era year all find it; the answer has no names."""
    household = register(client, *FAMILY, consent_safety_info=True, phone="090-0000-0000")
    staff = make_token(client, role="staff", shelter_id="S01")
    for name, year in (
        ("芦北花子", 1948),
        ("芦北　花子", "昭和23"),
        ("アシキタ ハナコ", "S23"),
        ("あしきた　はなこ", "１９４８"),
    ):
        (match,) = found(client, staff, name, year)
        assert match["household_id"] == household["household_id"]
        assert (match["size"], match["here"]) == (2, False)
        assert set(match) == {"household_id", "size", "registered_at", "here"}
    text = find(client, staff, "芦北花子", 1948).text
    # The whole phone number, as typed or as digits: "090" alone turns up in random ids.
    phone = ("090-0000-0000", "09000000000")
    for personal in ("芦北", "一郎", *phone, "wheelchair", household["pass_code"]):
        assert personal not in text


def test_wrong_year_or_a_partial_name_finds_nothing(client: TestClient) -> None:
    """Only an exact match: another year, a family name alone or a near name find nothing."""
    register(client, *FAMILY)
    staff = make_token(client, role="staff", shelter_id="S01")
    assert found(client, staff, "芦北 花子", 1949) == []
    assert found(client, staff, "芦北", 1948) == []
    assert found(client, staff, "芦北 花", 1948) == []
    assert found(client, staff, "あしきた はなこ", "昭和24") == []
    assert found(client, staff, "山田 太郎", 1948) == []


def test_the_other_members_year_does_not_match_her_name(client: TestClient) -> None:
    """Name and year must belong to one member: her name with her son's year finds nothing."""
    register(client, *FAMILY)
    staff = make_token(client, role="staff", shelter_id="S01")
    assert found(client, staff, "芦北 花子", 1975) == []
    assert len(found(client, staff, "芦北 一郎", 1975)) == 1


def test_every_look_up_is_audited_without_the_name(client: TestClient) -> None:
    """A match names the household; a miss says so; neither carries the name or the year."""
    household = register(client, *FAMILY)
    staff = make_token(client, role="staff", shelter_id="S01")
    found(client, staff, "芦北 花子", 1948)
    found(client, staff, "芦北 花子", 1950)
    entries = client.get("/api/v1/audit?action=lookup", headers=HQ).json()
    assert [(e["household_id"], e["shelter_id"], e["role"]) for e in entries] == [
        (None, "S01", "staff"),
        (household["household_id"], "S01", "staff"),
    ]
    for entry in entries:
        assert not any(word in str(entry["detail"]) for word in ("芦北", "花子", "あしきた"))
        assert "1948" not in str(entry["detail"])


def test_check_in_from_a_match_puts_it_on_the_roster_and_prints_its_card(
    client: TestClient,
) -> None:
    """One check-in event (replay-safe), counted once; then the roster and named card work."""
    household = register(client, *FAMILY)
    staff = make_token(client, role="staff", shelter_id="S01")
    (match,) = found(client, staff, "芦北 花子", 1948)
    card = f"/api/v1/households/{match['household_id']}/card.png"
    assert client.get(card, headers=staff).status_code == 403  # in no shelter yet
    body = {**HANAKO, "household_id": match["household_id"], "event_id": str(uuid.uuid4())}
    body.pop("name_kana")
    first = client.post(CHECK_IN.format("S01"), json=body, headers=staff)
    assert first.status_code == 201, first.text
    assert (first.json()["effect"], first.json()["people"]) == ("checked_in", 2)
    again = client.post(CHECK_IN.format("S01"), json=body, headers=staff)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert occupancy_of(client, "S01") == 2
    roster = client.get("/api/v1/shelters/S01/roster", headers=staff).json()
    assert [e["household_id"] for e in roster["entries"]] == [household["household_id"]]
    image = client.get(card, headers=staff)
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")
    (match,) = found(client, staff, "芦北 花子", 1948)
    assert match["here"] is True
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=HQ).json()]
    assert actions.count("lookup_check_in") == 2  # the replay was asked for too


def test_check_in_needs_the_same_name_and_year(client: TestClient) -> None:
    """A household id with another name or year checks nobody in: 404, nothing counted."""
    register(client, *FAMILY)
    other = register(client, {"name": "別の 人", "birth_year": 1960})
    staff = make_token(client, role="staff", shelter_id="S01")
    (match,) = found(client, staff, "芦北 花子", 1948)
    for name, year, household_id in (
        ("芦北 花子", 1947, match["household_id"]),
        ("芦北 花子", 1948, other["household_id"]),
    ):
        body = {"name": name, "birth_year": year, "household_id": household_id}
        response = client.post(
            CHECK_IN.format("S01"), json={**body, "event_id": str(uuid.uuid4())}, headers=staff
        )
        assert response.status_code == 404, response.text
        assert "look it up again" in response.json()["detail"]
    assert occupancy_of(client, "S01") == 0


def test_a_household_in_another_shelter_moves_here(client: TestClient) -> None:
    """Found while checked in at S02: the desk's check-in is a move, both counts change."""
    household = register(client, *FAMILY)
    check_in(client, "S02", household["pass_code"])
    staff = make_token(client, role="staff", shelter_id="S01")
    (match,) = found(client, staff, "芦北 花子", 1948)
    assert match["here"] is False
    body = {"name": "芦北 花子", "birth_year": 1948, "household_id": match["household_id"]}
    response = client.post(
        CHECK_IN.format("S01"), json={**body, "event_id": str(uuid.uuid4())}, headers=staff
    )
    assert response.json()["effect"] == "moved"
    assert (occupancy_of(client, "S01"), occupancy_of(client, "S02")) == (2, 0)


def test_staff_look_up_only_at_their_shelter_hq_anywhere(client: TestClient) -> None:
    """Staff of S02 cannot look up (or check in) at S01; hq can; a kiosk cannot; no token 401."""
    register(client, *FAMILY)
    s02 = make_token(client, role="staff", shelter_id="S02")
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    assert find(client, s02, "芦北 花子", 1948, shelter="S01").status_code == 403
    assert find(client, kiosk, "芦北 花子", 1948, shelter="S01").status_code == 403
    assert find(client, {}, "芦北 花子", 1948).status_code == 401
    assert find(client, s02, "芦北 花子", 1948, shelter="S02").json()["found"] is True
    assert find(client, HQ, "芦北 花子", 1948, shelter="S03").json()["found"] is True
    assert find(client, HQ, "芦北 花子", 1948, shelter="NOPE").status_code == 404
    body = {"name": "芦北 花子", "birth_year": 1948, "household_id": "x" * 32}
    response = client.post(
        CHECK_IN.format("S01"), json={**body, "event_id": str(uuid.uuid4())}, headers=s02
    )
    assert response.status_code == 403
    assert client.get("/api/v1/audit?action=lookup", headers=HQ).json() != []


@pytest.mark.parametrize(
    "body",
    [
        {"name": "芦北 花子"},
        {"birth_year": 1948},
        {"name": "", "birth_year": 1948},
        {"name": "芦北 花子", "birth_year": ""},
        {"name": "芦北 花子", "birth_year": "昭和99"},
        {"name": "芦北 花子", "birth_year": 2999},
        {"name": "芦北 花子", "birth_year": "きのう"},
        {"name": "花", "birth_year": 1948},
        {"name": "芦北\n花子", "birth_year": 1948},
        {"name": "x" * 101, "birth_year": 1948},
        {"name": "芦北 花子", "birth_year": 1948, "phone": "1"},
    ],
)
def test_bad_input_is_422_in_words_and_never_echoed(client: TestClient, body: Any) -> None:
    """A missing or unusable name or year: 422 that says what to fix, without the name."""
    register(client, *FAMILY)
    response = client.post(FIND.format("S01"), json=body, headers=HQ)
    assert response.status_code == 422, response.text
    assert "芦北" not in response.text and "花子" not in response.text
    assert response.json()["detail"]
    assert client.get("/api/v1/audit?action=lookup", headers=HQ).json() == []


def test_names_do_not_travel_in_a_url(client: TestClient) -> None:
    """The look-up is a POST with a body: a GET (names in the query string) is refused."""
    response = client.get(FIND.format("S01") + "?name=x&birth_year=1948", headers=HQ)
    assert response.status_code == 405


@pytest.fixture
def strict(database_url: str) -> Iterator[TestClient]:
    """An app whose desk may look up three times a minute per token."""
    config = Settings(database_url=database_url, admin_token=ADMIN, rate_lookup="3/minute")
    with TestClient(create_app(config)) as client:
        yield client


def test_look_ups_are_limited_per_token(strict: TestClient) -> None:
    """The fourth look-up within the minute is 429 with Retry-After; another token is not held
    back; a wrong check-in guess counts too."""
    register(strict, *FAMILY)
    desk = make_token(strict, role="staff", shelter_id="S01")
    other = make_token(strict, role="staff", shelter_id="S01")
    codes = [find(strict, desk, "山田 太郎", 1950 + n).status_code for n in range(3)]
    assert codes == [200, 200, 200]
    refused = find(strict, desk, "芦北 花子", 1948)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert find(strict, other, "芦北 花子", 1948).status_code == 200
    body = {"name": "芦北 花子", "birth_year": 1948, "household_id": "x" * 32}
    blocked = strict.post(
        CHECK_IN.format("S01"), json={**body, "event_id": str(uuid.uuid4())}, headers=desk
    )
    assert blocked.status_code == 429
    for _ in range(2):
        wrong = strict.post(
            CHECK_IN.format("S01"), json={**body, "event_id": str(uuid.uuid4())}, headers=other
        )
        assert wrong.status_code == 404
    assert find(strict, other, "芦北 花子", 1948).status_code == 429
