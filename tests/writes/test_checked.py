"""Check-ins without a savepoint each (``Job.checked``), the driver's statements, and the
token read once per group: the same answers and rows as the slow way, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from shelter import passes
from shelter.auth import service as auth
from shelter.auth.schemas import Role
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import Invalid, Revoked, UnknownPass
from shelter.events import counts, rebuild, service
from shelter.events.schemas import EventIn, Kind
from shelter.tables import Event, Household
from shelter.writes.path import Change, Job, WritePath, done
from tests.writes.conftest import ADMIN


def walk_in(shelter_id: str, people: int, **fields: Any) -> EventIn:
    return EventIn(
        event_id=uuid.uuid4(),
        shelter_id=shelter_id,
        kind=Kind.check_in,
        headcount=people,
        **fields,
    )


def occupancy(database: Database, shelter_id: str) -> int:
    with database.engine.connect() as conn:
        value = conn.execute(
            text("SELECT occupancy FROM shelters WHERE id = :id"), {"id": shelter_id}
        ).scalar_one()
    return int(value)


def events_stored(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM events")).scalar_one())


def poison(monkeypatch: pytest.MonkeyPatch, shelter_id: str) -> None:
    """A bug after a check-in's first write: logging a count change of ``shelter_id`` fails."""
    real_rows = counts.change_rows

    def change_rows(deltas: Any, **kwargs: Any) -> Any:
        if deltas and shelter_id in deltas:
            raise RuntimeError("disk on fire")
        return real_rows(deltas, **kwargs)

    monkeypatch.setattr(counts, "change_rows", change_rows)


def test_refused_check_ins_in_a_group_change_nothing_and_the_others_commit(
    path: tuple[WritePath, Database, Settings],
) -> None:
    writes, database, settings = path
    future = datetime.now(UTC) + timedelta(days=1)
    jobs = [
        service.check_in(settings, data=walk_in("S01", 2), token=ADMIN),
        service.check_in(settings, data=walk_in("S01", 3, occurred_at=future), token=ADMIN),
        service.check_in(settings, data=walk_in("NOPE", 1), token=ADMIN),
        service.check_in(
            settings,
            data=EventIn(
                event_id=uuid.uuid4(), shelter_id="S01", kind=Kind.check_in, pass_code="X" * 20
            ),
            token=ADMIN,
        ),
        service.check_in(settings, data=walk_in("S01", 4), token=ADMIN),
    ]
    results = writes.commit(jobs)
    assert [type(r.error).__name__ if r.error else "ok" for r in results] == [
        "ok",
        "Invalid",
        "NotFound",
        "UnknownPass",
        "ok",
    ]
    assert occupancy(database, "S01") == 6
    assert events_stored(database) == 2
    with database.reader() as session:  # the counts equal a fold of the log
        assert rebuild.rebuild(session) == rebuild.live_counts(session)


def test_a_check_in_that_fails_midway_is_undone_alone_and_the_group_still_commits(
    path: tuple[WritePath, Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug after the first write (here: the count-change log fails once) must not leave
    that check-in half written: the group is run again with savepoints."""
    writes, database, settings = path
    poisoned = walk_in("S02", 5)
    poison(monkeypatch, "S02")
    results = writes.commit(
        [
            service.check_in(settings, data=walk_in("S01", 2), token=ADMIN),
            service.check_in(settings, data=poisoned, token=ADMIN),
            service.check_in(settings, data=walk_in("S03", 1), token=ADMIN),
        ]
    )
    assert results[0].error is None and results[2].error is None
    assert isinstance(results[1].error, RuntimeError)
    assert (occupancy(database, "S01"), occupancy(database, "S02")) == (2, 0)
    assert occupancy(database, "S03") == 1
    assert events_stored(database) == 2
    monkeypatch.undo()
    # Sent again once the fault is gone, the same event is applied once.
    again = writes.commit([service.check_in(settings, data=poisoned, token=ADMIN)])
    assert again[0].unwrap().replay is False
    assert occupancy(database, "S02") == 5


@pytest.mark.sqlite_only
def test_a_checked_work_that_refuses_after_writing_is_caught_and_undone(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """``checked`` is a promise; SQLite counts changed rows, so a work that breaks it (a
    refusal after a write) is rolled back with the others run again, not half kept."""
    writes, database, _ = path

    def breaks_its_promise(session: Session) -> Change[None]:
        session.connection().execute(text("UPDATE shelters SET occupancy = 99 WHERE id = 'S04'"))
        raise Invalid("refused after a write")

    def fine(session: Session) -> Change[None]:
        session.connection().execute(text("UPDATE shelters SET occupancy = 7 WHERE id = 'S05'"))
        return done(None, touched=["S05"])

    results = writes.commit([Job(breaks_its_promise, checked=True), Job(fine, checked=True)])
    assert isinstance(results[0].error, Invalid) and results[1].error is None
    assert (occupancy(database, "S04"), occupancy(database, "S05")) == (0, 7)


def test_a_token_revoked_earlier_in_the_same_group_refuses_the_scans_after_it(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """The token is read once per group, but a revocation in that very group still counts
    from the next request on."""
    writes, database, settings = path
    with database.write() as session:
        token, secret = auth.mint(session, role=Role.kiosk, shelter_id="S01", label="door")
    token_id = token.id

    def revoke(session: Session) -> Change[None]:
        return auth.revoke(session, token_id=token_id)

    results = writes.commit(
        [
            service.check_in(settings, data=walk_in("S01", 1), token=secret),
            service.check_in(settings, data=walk_in("S01", 1), token=secret),
            Job(revoke),
            service.check_in(settings, data=walk_in("S01", 1), token=secret),
        ]
    )
    assert [r.error for r in results[:3]] == [None, None, None]
    assert isinstance(results[3].error, Revoked)
    assert occupancy(database, "S01") == 2


def test_moments_written_by_the_driver_read_back_as_sqlalchemy_writes_them(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """The driver stores a moment in the column's own form: the ORM reads it back equal,
    and a late event slots in by time among those the ORM wrote."""
    writes, database, settings = path
    at = datetime(2026, 7, 4, 3, 5, 7, 123456, tzinfo=UTC)
    first = writes.commit(
        [service.check_in(settings, data=walk_in("S01", 2, occurred_at=at), token=ADMIN)]
    )[0].unwrap()
    code = first.result.pass_code
    with database.reader() as session:
        stored = (
            session.connection()
            .execute(
                text("SELECT occurred_at FROM events WHERE event_id = :id"),
                {"id": str(first.result.event_id)},
            )
            .scalar_one()
        )
        event = session.exec(
            select(Event).where(Event.event_id == str(first.result.event_id))
        ).one()
        household = session.exec(
            select(Household).where(Household.pass_code == passes.normalize(code))
        ).one()
        assert event.occurred_at == at and event.received_at.tzinfo is not None
        assert household.since == at
    if database.is_sqlite:
        assert stored == "2026-07-04 03:05:07.123456"
    # A check-out a second earlier, sent later: slotted before, it changes nothing now.
    earlier = EventIn(
        event_id=uuid.uuid4(),
        shelter_id="S01",
        kind=Kind.check_out,
        pass_code=code,
        occurred_at=at - timedelta(seconds=1),
    )
    late = writes.commit([service.check_in(settings, data=earlier, token=ADMIN)])[0].unwrap()
    assert late.result.effect.value == "none"
    assert occupancy(database, "S01") == 2


def test_an_unknown_pass_is_refused_before_anything_is_written(
    path: tuple[WritePath, Database, Settings],
) -> None:
    writes, database, settings = path
    data = EventIn(event_id=uuid.uuid4(), shelter_id="S01", kind=Kind.check_in, pass_code="Z" * 20)
    result = writes.commit([service.check_in(settings, data=data, token=ADMIN)])[0]
    assert isinstance(result.error, UnknownPass)
    assert events_stored(database) == 0


def test_an_upload_in_a_group_run_again_with_savepoints_applies_each_event_once(
    path: tuple[WritePath, Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload runs straight in the transaction as check-ins do. When another work of its
    group breaks (here: after its first write) the group runs again with savepoints, and
    the upload's events each in one of their own: each still applied once, a refused one
    still refused alone."""
    writes, database, settings = path
    poison(monkeypatch, "S05")
    queued = [walk_in("S01", 2), walk_in("NOPE", 1), walk_in("S02", 3)]
    raw = [event.model_dump(mode="json") for event in queued]
    results = writes.commit(
        [
            service.check_in(settings, data=walk_in("S03", 1), token=ADMIN),
            service.upload(settings, raw=raw, token=ADMIN),
            service.check_in(settings, data=walk_in("S05", 4), token=ADMIN),
        ]
    )
    assert isinstance(results[2].error, RuntimeError)
    items = results[1].unwrap().results
    assert [(i.status.value, i.code) for i in items] == [
        ("applied", None),
        ("rejected", "not_found"),
        ("applied", None),
    ]
    assert [occupancy(database, sid) for sid in ("S01", "S02", "S03", "S05")] == [2, 3, 1, 0]
    assert events_stored(database) == 3
    with database.reader() as session:
        assert rebuild.rebuild(session) == rebuild.live_counts(session)


def test_an_upload_whose_event_breaks_fails_alone_and_is_applied_once_when_sent_again(
    path: tuple[WritePath, Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in one event of an upload fails that upload (the kiosk keeps its queue and
    sends it again), and nothing of it stays; the group's other works commit."""
    writes, database, settings = path
    poison(monkeypatch, "S04")
    raw = [e.model_dump(mode="json") for e in (walk_in("S01", 2), walk_in("S04", 3))]
    results = writes.commit(
        [
            service.upload(settings, raw=raw, token=ADMIN),
            service.check_in(settings, data=walk_in("S03", 1), token=ADMIN),
        ]
    )
    assert isinstance(results[0].error, RuntimeError) and results[1].error is None
    assert [occupancy(database, sid) for sid in ("S01", "S03", "S04")] == [0, 1, 0]
    assert events_stored(database) == 1
    monkeypatch.undo()
    again = writes.commit([service.upload(settings, raw=raw, token=ADMIN)])
    assert [i.status.value for i in again[0].unwrap().results] == ["applied", "applied"]
    assert [occupancy(database, sid) for sid in ("S01", "S04")] == [2, 3]
