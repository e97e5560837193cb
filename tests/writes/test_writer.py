"""The one write path and its group writer, on their own: no HTTP, a real database."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from shelter.bootstrap import bootstrap
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import Invalid
from shelter.occupancy.schemas import ShelterStatus
from shelter.tables import Shelter
from shelter.writes.path import Change, Job, Statuses, WritePath, done
from shelter.writes.writer import GroupWriter


class Recorder:
    """A publisher that remembers what it was told, and what the answers looked like then."""

    def __init__(self) -> None:
        self.published: list[list[ShelterStatus]] = []
        self.needs = 0
        self.revocations: list[list[str]] = []
        self.watch: list[Future[Any]] = []
        self.answered_before_publish: list[bool] = []

    def publish(self, statuses: Sequence[ShelterStatus]) -> None:
        self.answered_before_publish.append(any(f.done() for f in self.watch))
        self.published.append(list(statuses))

    def needs_changed(self) -> None:
        self.needs += 1

    def revoked(self, token_ids: Sequence[str]) -> None:
        self.revocations.append(list(token_ids))

    def removed(self, shelter_ids: Sequence[str]) -> None:
        self.revocations.append(list(shelter_ids))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Database, Settings]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'w.db'}",
        admin_token="unit-test-admin-token-0123456789abcdef",
    )
    database = Database(settings.database_url)
    bootstrap(database, settings)  # the five seeded shelters, S01 to S05
    yield database, settings
    database.dispose()


def add_people(shelter_id: str, people: int) -> Any:
    """A work that moves a shelter's count and answers with the status the path read."""

    def work(session: Session) -> Change[ShelterStatus]:
        shelter = session.get(Shelter, shelter_id)
        assert shelter is not None
        shelter.occupancy += people
        shelter.version += 1
        session.add(shelter)
        session.flush()

        def answer(statuses: Statuses) -> ShelterStatus:
            return statuses[shelter_id]

        return Change(answer=answer, touched=frozenset({shelter_id}))

    return work


def refuse(session: Session) -> Change[None]:
    add_people("S02", 100)(session)  # changed, then refused: the savepoint must undo it
    raise Invalid("no")


def crash(session: Session) -> Change[None]:
    add_people("S03", 100)(session)
    raise RuntimeError("a bug in one request")


def occupancy(db: Database) -> dict[str, int]:
    with db.reader() as session:
        return dict(session.exec(select(Shelter.id, Shelter.occupancy)).all())


def test_one_failing_request_never_sinks_its_group(db: tuple[Database, Settings]) -> None:
    """A refusal and a bug in the same group are undone alone; the others commit."""
    database, settings = db
    path = WritePath(database, settings, Recorder())
    results = path.commit(
        [Job(add_people("S01", 2)), Job(refuse), Job(crash), Job(add_people("S01", 3))]
    )
    assert [type(r.error) for r in results] == [type(None), Invalid, RuntimeError, type(None)]
    assert occupancy(database) == {"S01": 5, "S02": 0, "S03": 0, "S04": 0, "S05": 0}


def test_the_answer_and_the_published_update_come_from_one_read(
    db: tuple[Database, Settings],
) -> None:
    """Two works on one shelter: both answers and the publish are the same status object,
    read after both ran (so the first answer already shows the second change)."""
    database, settings = db
    recorder = Recorder()
    path = WritePath(database, settings, recorder)
    first, second = path.commit([Job(add_people("S04", 1)), Job(add_people("S04", 2))])
    [published] = recorder.published
    assert first.value is second.value is published[0]
    assert published[0].occupancy == 3


def test_a_change_that_touches_nothing_publishes_nothing(db: tuple[Database, Settings]) -> None:
    """An audited read, say: committed, answered, and no screen is told anything."""
    database, settings = db
    recorder = Recorder()
    assert WritePath(database, settings, recorder).run(lambda s: done("read")) == "read"
    assert recorder.published == [] and recorder.needs == 0


def test_a_retried_group_answers_each_request_once(db: tuple[Database, Settings]) -> None:
    """A deadlock victim's group runs again whole: its effects and answers count once."""
    database, settings = db
    recorder = Recorder()
    calls = {"n": 0}

    class Deadlock(Exception):
        sqlstate = "40P01"

    def flaky(session: Session) -> Change[ShelterStatus]:
        change = add_people("S05", 1)(session)
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("UPDATE shelters", {}, Deadlock())
        return change

    writer = GroupWriter(WritePath(database, settings, recorder))
    futures = [writer.submit(Job(flaky)), writer.submit(Job(add_people("S05", 10)))]
    recorder.watch = futures
    answered: list[int] = []
    for future in futures:
        future.add_done_callback(lambda f: answered.append(1))
    writer.start()
    try:
        values = [future.result(timeout=10) for future in futures]
    finally:
        writer.stop()
    assert calls["n"] >= 2, "the group was not run again"
    assert len(answered) == 2
    assert occupancy(database)["S05"] == 11
    assert all(v.occupancy == 11 for v in values)
    assert len(recorder.published) == 1, "published once, for the commit that held"


def test_the_publish_happens_before_the_answers(db: tuple[Database, Settings]) -> None:
    """When the hub hears of a change, no request of that group has its answer yet."""
    database, settings = db
    recorder = Recorder()
    writer = GroupWriter(WritePath(database, settings, recorder))
    gate = threading.Event()

    def wait_then_add(session: Session) -> Change[ShelterStatus]:
        gate.wait(5)  # holds the group open until every job is queued
        return add_people("S01", 1)(session)

    futures = [writer.submit(Job(wait_then_add))]
    futures += [writer.submit(Job(add_people("S02", 1))) for _ in range(5)]
    recorder.watch = futures
    writer.start()
    gate.set()
    try:
        for future in futures:
            future.result(timeout=10)
    finally:
        writer.stop()
    assert recorder.published, "nothing was published"
    assert recorder.answered_before_publish == [False] * len(recorder.published)


def test_a_commit_that_fails_fails_every_request_of_its_group(
    db: tuple[Database, Settings],
) -> None:
    """Not a deadlock: nothing was stored, and every caller is told so."""
    database, settings = db

    def broken(session: Session) -> Change[None]:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    writer = GroupWriter(WritePath(database, settings, Recorder()))
    futures = [writer.submit(Job(add_people("S01", 1))), writer.submit(Job(broken))]
    writer.start()
    try:
        for future in futures:
            with pytest.raises(OperationalError):
                future.result(timeout=10)
    finally:
        writer.stop()
    assert occupancy(database)["S01"] == 0


def test_a_request_cancelled_while_queued_is_dropped_and_the_writer_goes_on(
    db: tuple[Database, Settings],
) -> None:
    """Its client went away before the group ran: it is not applied (never acknowledged),
    the others in its group are answered, and later writes still go through."""
    database, settings = db
    writer = GroupWriter(WritePath(database, settings, Recorder()))
    gone = writer.submit(Job(add_people("S03", 5)))
    kept = writer.submit(Job(add_people("S03", 1)))
    assert gone.cancel()
    writer.start()
    try:
        assert kept.result(timeout=10).occupancy == 1
        later = writer.submit(Job(add_people("S03", 2)))
        assert later.result(timeout=10).occupancy == 3
    finally:
        writer.stop()
    assert occupancy(database)["S03"] == 3
