"""The daily report against a small scripted day whose figures were worked out by hand,
and against days replayed from Nanao's 2024 headcounts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from bench.simulate import Driver, nanao, read_snapshot
from shelter.app import create_app
from shelter.config import Settings
from shelter.tables import CountChange
from tests.conftest import ADMIN, HQ, NANAO_CSV, event, make_token

JST = ZoneInfo("Asia/Tokyo")
DAY = date(2026, 11, 28)
NANAO = NANAO_CSV.parent


def at(hour: int, minute: int = 0, *, days: int = 0) -> str:
    moment = datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=JST)
    return (moment + timedelta(days=days)).isoformat()


def post(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/events", json=body, headers=HQ)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def register(client: TestClient, members: list[dict[str, Any]], pets: int = 0) -> dict[str, Any]:
    response = client.post("/api/v1/households", json={"members": members, "pets": pets})
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def scripted_day(client: TestClient) -> dict[str, str]:
    """28 Nov 2026, Japan time (hand-computed figures in the tests below):

    - A (3: born 1950; allergy; born 2025, one pet) is in S01 since 22:00 the day before,
      and moves to S02 at 10:00.
    - A walk-in group W of 4 arrives at S01 at 07:00; 2 of them leave at 11:00, the other
      2 at 01:00 the next day.
    - B (registered as 2 wheelchair users) checks in at S02 at 09:00 and out at 19:00;
      afterwards staff correct B to 3 people (a third member, born 2000).
    - C (born 1940) was at S03 from 08:00 to 15:00, but S03's kiosk was offline: its
      check-out arrived first (and changed nothing), the 08:00 check-in hours later.
    """
    a = register(
        client,
        [
            {"name": "甲 一", "birth_year": 1950},
            {"name": "甲 二", "birth_year": 1985, "needs": ["allergy"]},
            {"name": "甲 三", "birth_year": 2025},
        ],
        pets=1,
    )
    b = register(
        client,
        [{"name": f"乙 {n}", "birth_year": 1990, "needs": ["wheelchair"]} for n in "一二"],
    )
    c = register(client, [{"name": "丙 一", "birth_year": 1940}])
    post(client, event("S01", pass_code=a["pass_code"], occurred_at=at(22, days=-1)))
    walk_in = post(client, event("S01", headcount=4, occurred_at=at(7)))["pass_code"]
    post(client, event("S02", pass_code=b["pass_code"], occurred_at=at(9)))
    moved = post(client, event("S02", pass_code=a["pass_code"], occurred_at=at(10)))
    assert moved["effect"] == "moved"
    post(client, event("S01", "check_out", pass_code=walk_in, headcount=2, occurred_at=at(11)))
    post(client, event("S02", "check_out", pass_code=b["pass_code"], occurred_at=at(19)))
    post(client, event("S01", "check_out", pass_code=walk_in, occurred_at=at(1, days=1)))
    kiosk = make_token(client, role="kiosk", shelter_id="S03")
    out = client.post(
        "/api/v1/events",
        json=event("S03", "check_out", pass_code=c["pass_code"], occurred_at=at(15)),
        headers=kiosk,
    )
    assert out.json()["effect"] == "none"  # not in yet, as far as the server knew
    late = client.post(
        "/api/v1/events",
        json=event("S03", pass_code=c["pass_code"], occurred_at=at(8)),
        headers=kiosk,
    )
    assert late.status_code == 201 and late.json()["effect"] == "none"  # undone at 15:00
    corrected = client.put(
        f"/api/v1/households/{b['household_id']}",
        json={
            "members": [
                *({"name": f"乙 {n}", "birth_year": 1990, "needs": ["wheelchair"]} for n in "一二"),
                {"name": "乙 三", "birth_year": 2000},
            ]
        },
        headers=HQ,
    )
    assert corrected.status_code == 200, corrected.text
    return {"A": a["household_id"], "B": b["household_id"], "C": c["household_id"]}


def report(client: TestClient, day: date = DAY) -> dict[str, Any]:
    response = client.get("/api/v1/reports/daily", params={"date": day.isoformat()}, headers=HQ)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def figures(day: dict[str, Any]) -> dict[str, Any]:
    """What was worked out by hand, in a shape easy to compare."""
    return {
        "counts": [(c["time"], c["inside"], c["outside"]) for c in day["counts"]],
        "peak": (day["peak"]["people"], datetime.fromisoformat(day["peak"]["at"])),
        "flows": (day["arrivals"], day["departures"], day["moved_in"], day["moved_out"]),
        "households": day["households"],
        "pets": day["pets"],
        "care": {need: n for need, n in day["care"].items() if n},
        "in_use": day["in_use"],
    }


def jst(hour: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=JST)


EXPECTED = {
    "S01": {
        "counts": [("06:00", 3, 0), ("12:00", 2, 0), ("18:00", 2, 0)],
        "peak": (7, jst(7)),
        "flows": (4, 2, 0, 3),
        "households": 2,
        "pets": 1,
        "care": {"elderly": 1, "allergy": 1, "infant": 1},
        "in_use": True,
    },
    "S02": {
        "counts": [("06:00", 0, 0), ("12:00", 6, 0), ("18:00", 6, 0)],
        "peak": (6, jst(10)),
        "flows": (3, 3, 3, 0),
        "households": 2,
        "pets": 1,
        "care": {"elderly": 1, "allergy": 1, "infant": 1, "wheelchair": 2},
        "in_use": True,
    },
    "S03": {
        "counts": [("06:00", 0, 0), ("12:00", 1, 0), ("18:00", 0, 0)],
        "peak": (1, jst(8)),
        "flows": (1, 1, 0, 0),
        "households": 1,
        "pets": 0,
        "care": {"elderly": 1},
        "in_use": True,
    },
    "S04": {
        "counts": [("06:00", 0, 0), ("12:00", 0, 0), ("18:00", 0, 0)],
        "peak": (0, jst(0)),
        "flows": (0, 0, 0, 0),
        "households": 0,
        "pets": 0,
        "care": {},
        "in_use": False,
    },
}
TOTAL = {
    "counts": [("06:00", 3, 0), ("12:00", 9, 0), ("18:00", 8, 0)],
    "peak": (11, jst(9)),  # the move at 10:00 takes 3 from S01 as it gives 3 to S02
    "flows": (8, 6, 3, 3),
    "households": 4,
    "pets": 1,
    "care": {"elderly": 2, "allergy": 1, "infant": 1, "wheelchair": 2},
    "in_use": True,
}


def test_the_scripted_day_matches_the_hand_computed_figures(client: TestClient) -> None:
    """A move, an offline kiosk's late event, a correction: every shelter and the total."""
    scripted_day(client)
    body = report(client)
    assert body["date"] == DAY.isoformat()
    assert body["times"] == ["06:00", "12:00", "18:00"]
    shelters = {s["id"]: s for s in body["shelters"]}
    for sid, expected in EXPECTED.items():
        assert figures(shelters[sid]) == expected, sid
    assert figures(body["total"]) == TOTAL
    assert shelters["S01"]["open"] is True and shelters["S01"]["capacity"] > 0


def test_the_late_event_counts_where_the_count_changes_do_not(
    client: TestClient, app: FastAPI
) -> None:
    """C's day left no count change (the late check-in slotted in before a check-out that
    was already there); the report refolds the log and still sees C at S03 at noon."""
    scripted_day(client)
    with app.state.db.reader() as session:
        s03 = session.exec(select(CountChange).where(CountChange.shelter_id == "S03")).all()
    assert s03 == []
    counts = {s["id"]: s["counts"] for s in report(client)["shelters"]}
    assert counts["S03"][1]["inside"] == 1


def test_the_day_before_and_after_are_their_own(client: TestClient) -> None:
    """The day before: A arrived at 22:00. The next day: W's last two left at 01:00."""
    scripted_day(client)
    before = {s["id"]: s for s in report(client, DAY - timedelta(days=1))["shelters"]}
    assert figures(before["S01"])["flows"] == (3, 0, 0, 0)
    assert before["S01"]["counts"][2]["inside"] == 0  # 18:00, before A came
    after = {s["id"]: s for s in report(client, DAY + timedelta(days=1))["shelters"]}
    assert [c["inside"] for c in after["S01"]["counts"]] == [0, 0, 0]
    assert figures(after["S01"])["flows"] == (0, 2, 0, 0)
    assert after["S02"]["counts"][0]["inside"] == 3  # A is still at S02


def test_the_csv_opens_in_excel_with_japanese_headers(client: TestClient) -> None:
    """UTF-8 with BOM, Japanese headers by default, one row a shelter and a total last."""
    scripted_day(client)
    response = client.get(f"/api/v1/reports/daily.csv?date={DAY}", headers=HQ)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    head = rows[0]
    assert head[:5] == ["避難所ID", "避難所名", "開設中", "利用あり", "収容人数"]
    assert "12:00 屋内" in head and "最大在所者数" in head and "車いす" in head
    by_id = {row[0]: dict(zip(head, row, strict=True)) for row in rows[1:]}
    assert by_id["S02"]["12:00 屋内"] == "6" and by_id["S02"]["最大の時刻"].endswith("+09:00")
    assert by_id["合計"]["最大在所者数"] == "11" and by_id["合計"]["入所者数"] == "8"
    english = client.get(f"/api/v1/reports/daily.csv?date={DAY}&lang=en", headers=HQ)
    head_en = next(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert head_en[:2] == ["shelter_id", "name"] and "inside_12:00" in head_en


def test_times_to_come_today_are_blank_not_zero(client: TestClient) -> None:
    """Today, a fixed time that has not come yet has no count (null), not 0."""
    today = datetime.now(JST)
    body = report(client, today.date())
    for count in body["total"]["counts"]:
        come = datetime.fromisoformat(count["at"]) <= today
        assert (count["inside"] is not None) == come


def test_the_fixed_times_are_a_setting(database_url: str) -> None:
    """SHELTER_REPORT_TIMES: any times of day, reported in order."""
    settings = Settings(
        database_url=database_url, admin_token=ADMIN, report_times=["21:00", "09:30"]
    )
    with TestClient(create_app(settings)) as client:
        scripted_day(client)
        body = report(client)
    assert body["times"] == ["09:30", "21:00"]
    s02 = next(s for s in body["shelters"] if s["id"] == "S02")
    assert [c["inside"] for c in s02["counts"]] == [3, 3]


def test_bad_days_and_callers_are_refused_with_words(client: TestClient) -> None:
    """A day to come, a date that is not one, no token, a kiosk token."""
    tomorrow = datetime.now(JST).date() + timedelta(days=1)
    future = client.get(f"/api/v1/reports/daily?date={tomorrow}", headers=HQ)
    assert future.status_code == 422 and "has not begun" in future.json()["detail"]
    assert client.get("/api/v1/reports/daily?date=2026-13-01", headers=HQ).status_code == 422
    assert client.get("/api/v1/reports/daily").status_code == 401
    kiosk = make_token(client, role="staff", shelter_id="S01")
    assert client.get("/api/v1/reports/daily.csv", headers=kiosk).status_code == 403


@pytest.mark.skipif(not NANAO.is_dir(), reason="the shared Nanao data is missing")
def test_replayed_nanao_days_give_the_snapshots_headcounts(client: TestClient) -> None:
    """Four snapshots replayed (9, 11 and 13 January 2024): each report time that falls
    on a snapshot shows exactly its 人数 per shelter."""
    driver = Driver(url=str(client.base_url), token=ADMIN)
    driver.http = client
    client.headers.update(HQ)
    nanao(driver, data=NANAO, speed=1e9, limit=4)
    files = sorted((NANAO / "history").glob("open_shelter_Nanao-shi_*.csv"))
    snapshots = sorted((read_snapshot(f) for f in files), key=lambda s: s.at)[:4]
    checked = 0
    for snap in snapshots:
        moment = snap.at.astimezone(JST)
        body = report(client, moment.date())
        label = moment.strftime("%H:%M")
        index = body["times"].index(label)
        inside = {s["id"]: s["counts"][index]["inside"] for s in body["shelters"]}
        for sid, people in snap.people.items():
            assert inside[sid] == people, (snap.at, sid)
        assert body["total"]["counts"][index]["inside"] == sum(snap.people.values())
        checked += 1
    assert checked == 4


def test_after_a_merge_the_report_agrees_with_the_live_counts(database_url: str) -> None:
    """C merged into A after the day: their histories fold as one household, and the next
    day's count at 23:59 (after every event) is each shelter's live occupancy."""
    settings = Settings(database_url=database_url, admin_token=ADMIN, report_times=["23:59"])
    with TestClient(create_app(settings)) as client:
        ids = scripted_day(client)
        merged = client.post(
            f"/api/v1/households/{ids['A']}/merge",
            json={"from_household_id": ids["C"]},
            headers=HQ,
        )
        assert merged.status_code == 200, merged.text
        body = report(client, DAY + timedelta(days=1))
        live = {s["id"]: s["occupancy"] for s in client.get("/api/v1/shelters").json()}
    inside = {s["id"]: s["counts"][0]["inside"] for s in body["shelters"]}
    assert inside == live
    assert inside["S02"] == 4  # A's three and C, together since A moved there


def test_people_outside_count_apart_and_moving_inside_is_no_arrival(client: TestClient) -> None:
    """At S04: D (2) sleeps in the car from 08:00, moves inside at 13:00, leaves at 20:00;
    a walk-in group of 3 pitches a tent at 09:00. Hand-computed: 12:00 has 0 inside and 5
    outside, 18:00 has 2 and 3; the peak inside is 2 at 13:00; 5 arrivals, 2 departures."""
    d = register(client, [{"name": "丁 一", "birth_year": 1980}, {"name": "丁 二"}])
    post(client, {**event("S04", pass_code=d["pass_code"], occurred_at=at(8)), "stay": "car"})
    post(client, {**event("S04", headcount=3, occurred_at=at(9)), "stay": "tent"})
    post(client, {**event("S04", pass_code=d["pass_code"], occurred_at=at(13)), "stay": "shelter"})
    post(client, event("S04", "check_out", pass_code=d["pass_code"], occurred_at=at(20)))
    s04 = next(s for s in report(client)["shelters"] if s["id"] == "S04")
    assert figures(s04)["counts"] == [("06:00", 0, 0), ("12:00", 0, 5), ("18:00", 2, 3)]
    assert figures(s04)["peak"] == (2, jst(13))
    assert figures(s04)["flows"] == (5, 2, 0, 0)
    assert s04["households"] == 2
