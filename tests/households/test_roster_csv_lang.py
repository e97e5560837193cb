"""The roster CSV: Japanese headers and need names by default, English with ?lang=en, times in
Japan time with +09:00, and an erased household labelled as erased, not as a walk-in."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.conftest import HQ, event
from tests.households.test_roster import ROSTER, post_event, register


def rows(client: TestClient, **params: str) -> list[dict[str, str]]:
    response = client.get(ROSTER.format("S01"), params={"format": "csv", **params}, headers=HQ)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_japanese_by_default_english_with_lang_en(client: TestClient) -> None:
    household = register(client, {"name": "芦北 花子", "needs": ["wheelchair", "elderly"]})
    post_event(client, HQ, event("S01", pass_code=household["pass_code"]))
    (ja,) = rows(client)
    assert ja["名前"] == "芦北 花子"
    assert ja["配慮が必要なこと"] == "車いす・高齢者"
    assert ja["入所時刻"].endswith("+09:00")
    (en,) = rows(client, lang="en")
    assert en["since"] == ja["入所時刻"]
    assert en["needs"] == "wheelchair elderly"


def test_an_erased_household_is_labelled_erased_and_a_walk_in_walk_in(client: TestClient) -> None:
    household = register(client, {"name": "白石 消子"})
    post_event(client, HQ, event("S01", pass_code=household["pass_code"]))
    assert (
        client.delete(f"/api/v1/households/{household['household_id']}", headers=HQ).status_code
        == 204
    )
    post_event(client, HQ, event("S01", headcount=2))
    names = sorted(r["名前"] for r in rows(client))
    assert names == ["(名前なし・受付で人数のみ)", "(消去済み)"]
    assert sorted(r["name"] for r in rows(client, lang="en")) == ["(erased)", "(walk-in)"]
    assert all("白石" not in r["名前"] for r in rows(client))


def test_an_unknown_language_is_refused(client: TestClient) -> None:
    response = client.get(ROSTER.format("S01"), params={"format": "csv", "lang": "fr"}, headers=HQ)
    assert response.status_code == 422
