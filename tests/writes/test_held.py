"""Check-ins that hold their count, presence and log writes to the group's end
(``writes/behind.py``, ``events/pending.py``): every check-in of a group still sees the
ones before it, other works see the database as if nothing waited, and what is stored is
what writing each at once stores. On both databases."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.event import listen
from sqlmodel import Session

from shelter.config import Settings
from shelter.db import Database
from shelter.events import apply, rebuild, service
from shelter.events.apply import Outcome
from shelter.events.schemas import EventIn, Kind
from shelter.writes.path import Change, Job, Unheard, WritePath, done
from tests.writes.conftest import ADMIN


def event(
    shelter_id: str, kind: Kind, *, code: str | None = None, people: int | None = None
) -> EventIn:
    return EventIn(
        event_id=uuid.uuid4(), shelter_id=shelter_id, kind=kind, pass_code=code, headcount=people
    )


def scan(settings: Settings, data: EventIn) -> Job[Outcome]:
    return service.check_in(settings, data=data, token=ADMIN)


def sql(database: Database, statement: str, **params: Any) -> Any:
    with database.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else None


def counts(database: Database, shelter_id: str) -> tuple[int, int]:
    [(occupancy, version)] = sql(
        database, "SELECT occupancy, version FROM shelters WHERE id = :id", id=shelter_id
    )
    return int(occupancy), int(version)


def walk_ins(writes: WritePath, settings: Settings, shelter_id: str, *sizes: int) -> list[str]:
    """Households checked in at ``shelter_id``, one group each: their pass codes."""
    return [
        writes.commit([scan(settings, event(shelter_id, Kind.check_in, people=size))])[0]
        .unwrap()
        .result.pass_code
        for size in sizes
    ]


def agrees_with_the_log(database: Database) -> bool:
    with database.reader() as session:
        return rebuild.rebuild(session) == rebuild.live_counts(session)


def test_a_group_sees_its_own_check_ins_and_stores_what_one_at_a_time_would(
    path: tuple[WritePath, Database, Settings],
) -> None:
    writes, database, settings = path
    first, second = walk_ins(writes, settings, "S01", 2, 3)
    sql(database, "UPDATE shelters SET capacity = 4 WHERE id = 'S02'")
    before_s01, before_s02 = counts(database, "S01"), counts(database, "S02")
    moved_in = event("S02", Kind.check_in, code=first)
    seen: list[int] = []

    def reads_the_database(session: Session) -> Change[None]:
        # Another kind of work between check-ins reads rows as if nothing were held.
        [(occupancy,)] = session.connection().execute(
            text("SELECT occupancy FROM shelters WHERE id = 'S02'")
        )
        seen.append(int(occupancy))
        return done(None)

    results = writes.commit(
        [
            scan(settings, event("S01", Kind.check_out, code=first)),
            scan(settings, moved_in),
            Job(reads_the_database),
            scan(settings, moved_in),  # the same event again, in the same group
            scan(settings, event("S02", Kind.check_in, code=second)),  # moves, and overfills
        ]
    )
    out, into, _, again, over = (result.unwrap() for result in results[:2] + results[2:])
    assert (out.result.effect.value, into.result.effect.value) == ("checked_out", "checked_in")
    assert seen == [before_s02[0] + 2]
    assert again.replay and again.result.effect == into.result.effect
    # The household moved from S01 found S02 as the check-in before it left it: 2 of 4.
    assert over.result.effect.value == "moved" and over.result.over_capacity
    assert "S02" not in {status.id for status in over.result.alternatives}
    assert over.result.shelter.occupancy == 5
    # Stored: each shelter's version up by one per move, as one at a time would leave it.
    assert counts(database, "S01") == (before_s01[0] - 5, before_s01[1] + 2)
    assert counts(database, "S02") == (before_s02[0] + 5, before_s02[1] + 2)
    [(stored,)] = sql(database, "SELECT count(*) FROM events")
    assert stored == 2 + 3
    assert agrees_with_the_log(database)


def test_a_place_emptied_earlier_in_the_group_is_offered_as_an_alternative(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """The database still shows a shelter full that a held check-out just emptied: the
    search for alternatives sees it free."""
    writes, database, settings = path
    [leaving] = walk_ins(writes, settings, "S01", 2)
    walk_ins(writes, settings, "S02", 1)
    sql(database, "UPDATE shelters SET open = false WHERE id IN ('S03', 'S04', 'S05')")
    sql(database, "UPDATE shelters SET capacity = occupancy WHERE id IN ('S01', 'S02')")
    results = writes.commit(
        [
            scan(settings, event("S01", Kind.check_out, code=leaving)),
            scan(settings, event("S02", Kind.check_in, people=1)),
        ]
    )
    arrival = results[1].unwrap().result
    assert arrival.over_capacity
    assert [status.id for status in arrival.alternatives] == ["S01"]
    assert agrees_with_the_log(database)


def test_a_refused_check_in_in_the_middle_of_a_group_leaves_the_others_held_and_stored(
    path: tuple[WritePath, Database, Settings],
) -> None:
    writes, database, settings = path
    before = counts(database, "S03")
    results = writes.commit(
        [
            scan(settings, event("S03", Kind.check_in, people=2)),
            scan(settings, event("S03", Kind.check_in, code="Z" * 20)),  # unknown pass
            scan(settings, event("NOPE", Kind.check_in, people=1)),  # unknown shelter
            scan(settings, event("S03", Kind.check_in, people=1)),
        ]
    )
    assert [type(result.error).__name__ for result in results] == [
        "NoneType",
        "UnknownPass",
        "NotFound",
        "NoneType",
    ]
    assert counts(database, "S03") == (before[0] + 3, before[1] + 2)
    assert agrees_with_the_log(database)


def test_a_household_that_left_earlier_in_the_group_comes_back_after_a_search_for_room(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """A check-out held, then a search for alternatives that must see the place it freed,
    then the same household back: it is checked in, as one request at a time would be."""
    writes, database, settings = path
    [household] = walk_ins(writes, settings, "S01", 2)
    walk_ins(writes, settings, "S02", 1)
    sql(database, "UPDATE shelters SET capacity = occupancy WHERE id = 'S02'")
    results = writes.commit(
        [
            scan(settings, event("S01", Kind.check_out, code=household)),
            scan(settings, event("S02", Kind.check_in, people=1)),  # full: sends the check-out
            scan(settings, event("S01", Kind.check_in, code=household)),
        ]
    )
    out, arrival, back = (result.unwrap().result for result in results)
    assert arrival.over_capacity and arrival.alternatives
    assert (out.effect.value, back.effect.value) == ("checked_out", "checked_in")
    assert agrees_with_the_log(database)


def test_a_household_changed_before_a_resend_in_the_group_is_seen_as_changed(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """A resend in the group sends everything held, so nothing waits when the next scan of
    that household comes: it still finds the household as the group left it, not as the
    look-ahead read it (found by a property test: it was checked in a second time)."""
    writes, database, settings = path
    [household] = walk_ins(writes, settings, "S01", 2)
    writes.commit([scan(settings, event("S01", Kind.check_out, code=household))])
    before = counts(database, "S02")
    arrival = event("S02", Kind.check_in, code=household)
    results = writes.commit(
        [
            scan(settings, arrival),
            scan(settings, arrival),  # a kiosk's retry, in the same group
            scan(settings, event("S02", Kind.check_in, code=household)),  # scanned again
        ]
    )
    first, again, rescan = (result.unwrap() for result in results)
    assert first.result.effect.value == "checked_in" and again.replay
    assert rescan.result.effect.value == "none", "counted a second time"
    assert counts(database, "S02") == (before[0] + 2, before[1] + 1)
    assert agrees_with_the_log(database)


@pytest.mark.sqlite_only
def test_a_group_of_check_ins_reads_once_per_group_not_per_check_in(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """What the look-ahead and the holder are for, counted in the reads SQLite runs: a
    group of 40 check-ins (scans of passes with a history, walk-ins to several shelters)
    reads seven times in all (passes, latest moments, event ids, the named shelters
    together, and the path's own reads), where each check-in used to read four to five
    times."""
    writes, database, settings = path
    codes = walk_ins(writes, settings, "S01", *[1] * 20)
    statements: list[str] = []

    def trace(connection: Any, _: Any) -> None:
        connection.set_trace_callback(statements.append)

    database.engine.dispose()  # new connections, traced
    listen(database.engine, "connect", trace)
    group = [scan(settings, event("S02", Kind.check_in, code=code)) for code in codes]
    group += [scan(settings, event(f"S0{3 + i % 3}", Kind.check_in, people=1)) for i in range(20)]
    results = writes.commit(group)
    assert all(result.error is None for result in results)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 8, reads
    assert sum("INTO events" in s for s in statements) == 40
    assert agrees_with_the_log(database)


def test_an_event_another_worker_stores_while_it_is_held_is_answered_as_a_replay(
    path: tuple[WritePath, Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same event_id sent to two workers at once: the one whose held insert clashes
    at the flush runs its group again, each work in a savepoint, and answers as a replay
    (the others in its group are still applied, once)."""
    writes, database, settings = path
    if database.is_sqlite:
        pytest.skip("one writer at a time on SQLite: nothing can be stored meanwhile")
    other = WritePath(Database(settings.database_url), settings, Unheard())
    twice = event("S01", Kind.check_in, people=2)
    first: list[Outcome] = []
    real = apply.look_ahead
    began: list[bool] = []

    def meanwhile(session: Session, parts: list[list[EventIn]]) -> list[str | None]:
        named = real(session, parts)
        if not began:  # another worker stores the same event after this group looked
            began.append(True)
            first.append(other.commit([scan(settings, twice)])[0].unwrap())
        return named

    monkeypatch.setattr(apply, "look_ahead", meanwhile)
    results = writes.commit(
        [scan(settings, twice), scan(settings, event("S02", Kind.check_in, people=1))]
    )
    other.close()
    answer, alongside = (result.unwrap() for result in results)
    assert answer.replay and answer.result.pass_code == first[0].result.pass_code
    assert not alongside.replay
    [(stored,)] = sql(database, "SELECT count(*) FROM events")
    assert stored == 2
    assert agrees_with_the_log(database)


def test_a_group_of_check_ins_locks_its_shelters_only_when_its_writes_go_out(
    path: tuple[WritePath, Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, while a group of check-ins and uploads does its work, another worker
    can still lock (and change) its shelters: they are locked when the held count changes
    go out, so other groups wait only for its last round trips. A group with another kind
    of work locks them up front, as before. The counts are exact either way."""
    writes, database, settings = path
    if database.is_sqlite:
        pytest.skip("one writer at a time on SQLite: nothing is locked")
    from sqlalchemy.exc import OperationalError

    from shelter.events import counts as counting

    real = counting.move
    free: list[bool] = []

    def move(session: Session, *args: Any, **kwargs: Any) -> Any:
        # Another worker, mid-work: may it take S01 now, without waiting?
        try:
            with database.engine.begin() as other:
                other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                other.execute(text("UPDATE shelters SET outside = outside WHERE id = 'S01'"))
            free.append(True)
        except OperationalError:  # lock_not_available
            free.append(False)
        return real(session, *args, **kwargs)

    monkeypatch.setattr(counting, "move", move)
    writes.commit(
        [
            scan(settings, event("S01", Kind.check_in, people=2)),
            service.upload(
                settings,
                raw=[event("S01", Kind.check_in, people=1).model_dump(mode="json")],
                token=ADMIN,
            ),
        ]
    )
    assert free == [True, True]
    free.clear()
    writes.commit(
        [
            scan(settings, event("S01", Kind.check_in, people=3)),
            Job(lambda session: done(None), shelters=lambda session: ["S01"]),
        ]
    )
    assert free == [False]
    assert counts(database, "S01")[0] == 6
    assert agrees_with_the_log(database)


def test_a_group_of_check_ins_asks_for_no_lock_its_own_updates_already_hold(
    path: tuple[WritePath, Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the held count moves lock the rows they update, so the path does not
    ask for those locks again before its status read (a round trip inside the window in
    which the other worker waits). A group with another kind of work asks once, up front,
    for every shelter it names."""
    writes, database, settings = path
    if database.is_sqlite:
        pytest.skip("one writer at a time on SQLite: nothing is locked")
    from shelter import driver
    from shelter.writes import locks

    [code] = walk_ins(writes, settings, "S01", 2)
    asked: list[list[str]] = []
    real = driver.every

    def every(conn: Any, statement: Any, params: Any) -> Any:
        if statement is locks._LOCK:
            asked.append(list(params["ids"]))
        return real(conn, statement, params)

    monkeypatch.setattr(driver, "every", every)
    moved = writes.commit(
        [
            scan(settings, event("S02", Kind.check_in, code=code)),  # moves S01 to S02
            scan(settings, event("S03", Kind.check_in, people=1)),
        ]
    )
    assert all(result.error is None for result in moved)
    assert asked == []
    mixed = writes.commit(
        [
            scan(settings, event("S04", Kind.check_in, people=1)),
            Job(lambda session: done(None), shelters=lambda session: ["S05"]),
        ]
    )
    assert all(result.error is None for result in mixed)
    assert asked == [["S04", "S05"]]
    assert counts(database, "S01")[0] == 0
    assert [counts(database, sid)[0] for sid in ("S02", "S03", "S04")] == [2, 1, 1]
    assert agrees_with_the_log(database)
