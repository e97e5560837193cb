"""ShelterStatus.forecast: the rate over a window and the fill time, on synthetic arrivals."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, insert, text

from shelter.config import Settings
from shelter.db import Database
from shelter.live.hub import Hub
from shelter.occupancy import forecast as fc
from shelter.occupancy.schemas import Forecast
from shelter.occupancy.service import fold_and_read, store_trends
from shelter.tables import CountChange
from tests.conftest import HQ, event
from tests.live.test_hub import FakeSocket, connect, running, settle, status

NOW = datetime(2026, 11, 22, 1, 0, 30, tzinfo=UTC)  # 10:00:30 in Japan


def steady(per_minute: int, minutes: int, *, now: datetime = NOW) -> list[list[int]]:
    """A trend of ``per_minute`` net arrivals in each of the last ``minutes`` minutes."""
    return fc.fold(
        [],
        [(now - timedelta(minutes=m), per_minute) for m in range(minutes)],
        now=now,
        window_minutes=60,
    )


def forecast(trend: list[list[int]], *, occupancy: int, capacity: int = 100, **kw: Any) -> Forecast:
    return fc.forecast(
        trend,
        capacity=capacity,
        occupancy=occupancy,
        is_open=kw.get("is_open", True),
        now=kw.get("now", NOW),
        window_minutes=60,
        horizon_hours=24,
    )


def test_a_steady_fill_predicts_the_minute_it_fills() -> None:
    """One person a minute for an hour, 40 places left: 60 an hour, full in 40 minutes."""
    result = forecast(steady(1, 60), occupancy=60)
    assert result.net_per_hour == 60.0
    assert result.full_at is not None
    assert result.full_at.utcoffset() == timedelta(hours=9)  # Japan time, as the contract shows
    assert result.full_at == datetime(2026, 11, 22, 10, 41, tzinfo=fc.JAPAN)  # 10:40:30, up


def test_an_emptying_shelter_has_no_fill_time() -> None:
    """More leave than arrive: a negative rate, and full_at null."""
    result = forecast(steady(-2, 30), occupancy=50)
    assert result.net_per_hour == -60.0
    assert result.full_at is None


def test_a_flat_shelter_has_no_fill_time() -> None:
    """Nobody came, or as many left as came: rate 0, full_at null."""
    assert forecast([], occupancy=50) == Forecast(net_per_hour=0.0, full_at=None)
    balanced = fc.fold(
        [],
        [(NOW - timedelta(minutes=m), 1 if m % 2 else -1) for m in range(40)],
        now=NOW,
        window_minutes=60,
    )
    assert forecast(balanced, occupancy=50) == Forecast(net_per_hour=0.0, full_at=None)


def test_closed_full_or_far_off_shelters_have_no_fill_time() -> None:
    """Closed, already full, or filling only beyond the horizon: null, the rate still shown."""
    trend = steady(1, 60)
    assert forecast(trend, occupancy=60, is_open=False).full_at is None
    assert forecast(trend, occupancy=100).full_at is None
    assert forecast(trend, occupancy=130).full_at is None
    slow = fc.fold([], [(NOW - timedelta(minutes=5), 1)], now=NOW, window_minutes=60)
    assert forecast(slow, occupancy=0, capacity=1000).full_at is None  # 1/h: 41 days
    assert forecast(slow, occupancy=0, capacity=1000).net_per_hour == 1.0


def test_the_window_slides_with_time_without_events() -> None:
    """The same trend read later: changes that left the window no longer count."""
    trend = steady(1, 30)  # the last half hour
    assert forecast(trend, occupancy=10).net_per_hour == 30.0
    later = forecast(trend, occupancy=10, now=NOW + timedelta(minutes=45))
    assert later.net_per_hour == 15.0  # 15 of the 30 minutes are still inside
    gone = forecast(trend, occupancy=10, now=NOW + timedelta(minutes=95))
    assert gone == Forecast(net_per_hour=0.0, full_at=None)


def test_a_late_change_lands_in_the_minute_it_happened() -> None:
    """Folding is by when it happened, in any order; older than the window, it is dropped."""
    one_way = fc.fold(
        [],
        [(NOW - timedelta(minutes=5), 3), (NOW - timedelta(minutes=50), 2)],
        now=NOW,
        window_minutes=60,
    )
    other = fc.fold([], [(NOW - timedelta(minutes=50), 2)], now=NOW, window_minutes=60)
    other = fc.fold(
        other,
        [(NOW - timedelta(minutes=5), 3), (NOW - timedelta(hours=3), 9)],
        now=NOW,
        window_minutes=60,
    )
    assert one_way == other
    assert fc.net_per_hour(other, now=NOW, window_minutes=60) == 5.0


# -- through the service, on both databases ---------------------------------------------


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def walk_ins(shelter_id: str, *, people: int, minutes: list[float]) -> list[dict[str, Any]]:
    return [event(shelter_id, headcount=people, occurred_at=ago(minute)) for minute in minutes]


def upload(client: TestClient, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.post("/api/v1/events/batch", json={"events": events}, headers=HQ)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    assert all(r["status"] == "applied" for r in results), results
    return results


def test_a_steady_fill_shows_in_every_status_and_the_live_feed(client: TestClient) -> None:
    """30 groups of two over the last hour (60 an hour), 60 places left: full in about an
    hour, in the shelter's status, the occupancy list, a check-in's answer and the feed."""
    assert client.patch("/api/v1/shelters/S01", json={"capacity": 122}, headers=HQ).is_success
    upload(client, walk_ins("S01", people=2, minutes=[1 + 1.9 * i for i in range(30)]))
    with client.websocket_connect("/ws/occupancy") as ws:
        snapshot = json.loads(ws.receive_text())
        answer = client.post("/api/v1/events", json=event("S01", headcount=2), headers=HQ)
        update = json.loads(ws.receive_text())
    assert answer.status_code == 201
    seen = [
        client.get("/api/v1/shelters/S01").json(),
        next(s for s in client.get("/api/v1/shelters").json() if s["id"] == "S01"),
        next(s for s in client.get("/api/v1/occupancy").json()["shelters"] if s["id"] == "S01"),
        answer.json()["shelter"],
        update["shelter"],
    ]
    for shelter in seen:
        assert shelter["occupancy"] == 62
        assert shelter["forecast"]["net_per_hour"] == 62.0  # the check-in just now counts
        full_at = datetime.fromisoformat(shelter["forecast"]["full_at"])
        assert full_at.utcoffset() == timedelta(hours=9)
        expected = datetime.now(UTC) + timedelta(hours=60 / 62)
        assert abs(full_at - expected) < timedelta(minutes=3)
    s01 = next(s for s in snapshot["shelters"] if s["id"] == "S01")
    assert s01["forecast"]["net_per_hour"] == 60.0


def test_an_emptying_shelter_says_it_is_not_filling(client: TestClient) -> None:
    """People came two hours ago and leave now: the window sees only departures."""
    results = upload(client, walk_ins("S02", people=3, minutes=[125, 124, 123, 122]))
    leaving = [
        event("S02", "check_out", pass_code=r["pass_code"], headcount=3, occurred_at=ago(m))
        for r, m in zip(results[:3], [20, 10, 5], strict=True)
    ]
    upload(client, leaving)
    shelter = client.get("/api/v1/shelters/S02").json()
    assert shelter["occupancy"] == 3
    assert shelter["forecast"] == {"net_per_hour": -9.0, "full_at": None}


def test_a_flat_or_closed_shelter_has_no_fill_time(client: TestClient) -> None:
    """No change in the window, or a closed shelter: full_at null."""
    upload(client, walk_ins("S03", people=5, minutes=[200]))
    assert client.get("/api/v1/shelters/S03").json()["forecast"] == {
        "net_per_hour": 0.0,
        "full_at": None,
    }
    upload(client, walk_ins("S04", people=5, minutes=[10]))
    assert client.get("/api/v1/shelters/S04").json()["forecast"]["full_at"] is not None
    assert client.patch("/api/v1/shelters/S04", json={"open": False}, headers=HQ).is_success
    closed = client.get("/api/v1/shelters/S04").json()["forecast"]
    assert closed == {"net_per_hour": 5.0, "full_at": None}


def test_a_late_offline_batch_lands_in_the_time_it_happened(client: TestClient) -> None:
    """A kiosk back online uploads check-ins from 30 minutes and 3 hours ago: both count in
    the occupancy, only the one inside the window counts in the rate."""
    upload(client, walk_ins("S05", people=4, minutes=[5]))
    upload(client, walk_ins("S05", people=6, minutes=[30, 180]))
    shelter = client.get("/api/v1/shelters/S05").json()
    assert shelter["occupancy"] == 16
    assert shelter["forecast"]["net_per_hour"] == 10.0


def test_a_forecast_that_aged_reaches_the_feed_with_the_same_version() -> None:
    """A resync's status with the version already sent but another forecast goes out; the
    same status again does not."""
    socket = FakeSocket()

    async def scenario(hub: Hub) -> None:
        connect(hub, socket)
        first = status("S01", 4).model_copy(update={"forecast": Forecast(net_per_hour=30.0)})
        hub.refresh([first])
        await settle()
        hub.refresh([first.model_copy()])
        await settle()
        hub.refresh([status("S01", 4)])  # the window slid on: nobody came for a while
        await settle()

    asyncio.run(running(scenario))
    assert [m["shelter"]["forecast"]["net_per_hour"] for m in socket.received] == [30.0, 0.0]  # type: ignore[index]


# -- the fold inside a commit, on both databases ------------------------------------------


def _change(connection: Connection, shelter_id: str, delta: int, at: datetime) -> int:
    """A count change as a correction writes one (no event): its id."""
    table = CountChange.__table__  # type: ignore[attr-defined]
    row = {"event_seq": None, "shelter_id": shelter_id, "delta": delta, "occurred_at": at}
    key = connection.execute(insert(table).values(row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def test_the_fold_takes_each_shelters_changes_since_its_own_last_fold(
    db: Database, settings: Settings
) -> None:
    """Each touched shelter folds exactly the changes above its own ``trend_seq`` and
    inside the window, read together with the rows: one shelter folded up to a later change
    than the other refolds none it holds, and a shelter never folded (an upgraded database)
    takes only its last window's changes, not its whole history."""
    now = datetime.now(UTC)
    with db.write() as session:
        conn = session.connection()
        _change(conn, "S02", 7, now - timedelta(hours=5))  # history before the window
        held = [_change(conn, "S01", 1, now - timedelta(minutes=m)) for m in (30, 20)]
        s02 = [_change(conn, "S02", 2, now - timedelta(minutes=m)) for m in (25, 15)]
        s01 = [_change(conn, "S01", 3, now - timedelta(minutes=m)) for m in (10, 5)]
        conn.execute(text("UPDATE shelters SET trend = '[]', trend_seq = 0"))
        conn.execute(
            text("UPDATE shelters SET trend_seq = :seq WHERE id = 'S01'"), {"seq": held[-1]}
        )
    with db.write() as session:
        folded = fold_and_read(
            session.connection(), settings, ["S01", "S02"], ["S01", "S02", "S03"], now=now
        )
    trends = {trend["sid"]: trend for trend in folded.trends}
    assert set(trends) == {"S01", "S02"}
    window = settings.forecast_window_minutes

    def expected(*moments: tuple[float, int]) -> list[list[int]]:
        changes = [(now - timedelta(minutes=m), delta) for m, delta in moments]
        return fc.fold([], changes, now=now, window_minutes=window)

    assert trends["S01"]["new_trend"] == expected((10, 3), (5, 3))
    assert trends["S01"]["new_seq"] == s01[-1]
    assert trends["S02"]["new_trend"] == expected((25, 2), (15, 2))
    assert trends["S02"]["new_seq"] == s02[-1]
    assert [status.id for status in folded.statuses] == ["S01", "S02", "S03"]


def test_a_fold_with_nothing_new_changes_no_trend(db: Database, settings: Settings) -> None:
    """Read twice, the second fold finds nothing above the stored ``trend_seq``."""
    now = datetime.now(UTC)
    with db.write() as session:
        _change(session.connection(), "S04", 4, now - timedelta(minutes=3))
    with db.write() as session:
        first = fold_and_read(session.connection(), settings, ["S04"], ["S04"], now=now)
        store_trends(session.connection(), first.trends)
    with db.write() as session:
        second = fold_and_read(session.connection(), settings, ["S04"], ["S04"], now=now)
    assert len(first.trends) == 1
    assert second.trends == []
    assert second.statuses == first.statuses
