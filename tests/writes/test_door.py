"""The door's writes (check-ins, uploads) in a writer process of their own
(``writes/remote.py``): the same answers, refusals, publishing and durability as in the
serving process, and a process that dies is replaced without losing or doubling a check-in.
Both databases."""

from __future__ import annotations

import os
import pickle
import signal
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from shelter import errors
from shelter.app import create_app
from shelter.bootstrap import bootstrap
from shelter.config import Settings
from shelter.db import Database
from shelter.events import intake, rebuild, service
from shelter.events.schemas import EventIn
from shelter.occupancy.schemas import ShelterStatus
from shelter.tables import Event
from shelter.writes.path import Publisher, Unheard
from shelter.writes.remote import WriterProcess
from tests.conftest import ADMIN, HQ, event, make_household, make_token


@pytest.fixture
def door_app(database_url: str) -> FastAPI:
    return create_app(
        Settings(database_url=database_url, admin_token=ADMIN, door_writer_process=True)
    )


@pytest.fixture
def door(door_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(door_app) as test_client:
        yield test_client


def _door_pid(app: FastAPI) -> int:
    pid = app.state.writer._door.pid
    assert isinstance(pid, int)
    return pid


def _occupancy(client: TestClient, shelter_id: str) -> int:
    value: int = client.get(f"/api/v1/shelters/{shelter_id}").json()["occupancy"]
    return value


def test_check_ins_commit_in_another_process_and_show_at_once(
    door: TestClient, door_app: FastAPI
) -> None:
    assert _door_pid(door_app) != os.getpid()
    walk_in = event("S01", headcount=3)
    first = door.post("/api/v1/events", json=walk_in, headers=HQ)
    assert first.status_code == 201, first.text
    assert first.json()["shelter"]["occupancy"] == 3
    # Published to this process's live state before the answer came back.
    assert _occupancy(door, "S01") == 3
    again = door.post("/api/v1/events", json=walk_in, headers=HQ)
    assert (again.status_code, again.json()) == (200, first.json())
    code = first.json()["pass_code"]
    out = door.post("/api/v1/events", json=event("S01", "check_out", pass_code=code), headers=HQ)
    assert out.status_code == 201 and out.json()["effect"] == "checked_out"
    assert _occupancy(door, "S01") == 0


def test_refusals_come_back_as_the_serving_process_would_give_them(door: TestClient) -> None:
    unknown = door.post("/api/v1/events", json=event("S01", pass_code="ZZZZZZZZ"), headers=HQ)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_pass")
    nowhere = door.post("/api/v1/events", json=event("S99", headcount=1), headers=HQ)
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "not_found")
    used = event("S01", headcount=1)
    assert door.post("/api/v1/events", json=used, headers=HQ).status_code == 201
    clash = door.post("/api/v1/events", json={**used, "headcount": 2}, headers=HQ)
    assert (clash.status_code, clash.json()["code"]) == (409, "conflict")
    assert _occupancy(door, "S01") == 1


def test_a_token_revoked_by_the_serving_process_is_refused_by_the_writer_process(
    door: TestClient,
) -> None:
    kiosk = make_token(door, role="kiosk", shelter_id="S02")
    assert door.post("/api/v1/events", json=event("S02", headcount=1), headers=kiosk).is_success
    token_id = door.get("/api/v1/tokens", headers=HQ).json()[-1]["id"]
    assert door.delete(f"/api/v1/tokens/{token_id}", headers=HQ).status_code == 204
    refused = door.post("/api/v1/events", json=event("S02", headcount=1), headers=kiosk)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert _occupancy(door, "S02") == 1


def test_an_upload_goes_through_the_writer_process(door: TestClient) -> None:
    household = make_household(door, size=2)
    batch = {
        "events": [
            event("S03", pass_code=household["pass_code"]),
            event("S03", headcount=4),
            event("S03", pass_code="ZZZZZZZZ"),
        ]
    }
    answer = door.post("/api/v1/events/batch", json=batch, headers=HQ)
    assert answer.status_code == 200, answer.text
    statuses = [item["status"] for item in answer.json()["results"]]
    assert statuses == ["applied", "applied", "rejected"]
    assert _occupancy(door, "S03") == 6


def test_registrations_and_check_ins_from_both_writers_interleave(door: TestClient) -> None:
    """Registrations commit in the serving process, check-ins in the writer's: SQLite takes
    the two in turn (``BEGIN IMMEDIATE``), PostgreSQL locks rows."""
    for _ in range(5):
        household = make_household(door, size=1)
        scan = event("S04", pass_code=household["pass_code"])
        assert door.post("/api/v1/events", json=scan, headers=HQ).status_code == 201
    assert _occupancy(door, "S04") == 5


def test_a_writer_process_that_dies_is_replaced_and_nothing_is_counted_twice(
    door: TestClient, door_app: FastAPI, database_url: str
) -> None:
    before = _door_pid(door_app)
    sent = [event("S05", headcount=1) for _ in range(3)]
    assert door.post("/api/v1/events", json=sent[0], headers=HQ).status_code == 201
    os.kill(before, signal.SIGKILL)
    # Until the new process is up, a check-in is refused (503, nothing acknowledged), or
    # already taken by the new one; sent again with the same id, it counts once.
    deadline = time.monotonic() + 30
    for item in sent[1:]:
        while True:
            answer = door.post("/api/v1/events", json=item, headers=HQ)
            if answer.status_code != 503:
                break
            assert answer.json()["code"] == "writer_restarted"
            assert time.monotonic() < deadline, "no writer process came back"
            time.sleep(0.05)
        assert answer.status_code in (200, 201), answer.text
    assert _door_pid(door_app) != before
    again = door.post("/api/v1/events", json=sent[0], headers=HQ)
    assert again.status_code == 200  # the first one, stored before the kill
    assert _occupancy(door, "S05") == 3
    database = Database(database_url)
    try:
        with database.reader() as session:
            stored = session.exec(select(Event).where(Event.shelter_id == "S05")).all()
            assert sorted(e.event_id for e in stored) == sorted(e["event_id"] for e in sent)
        with database.reader() as session:
            live = rebuild.live_counts(session)
            assert live == rebuild.rebuild(session) == rebuild.ledger_counts(session)
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "error",
    [
        errors.Invalid("bad headcount"),
        errors.UnknownPass(),
        errors.Revoked(),
        errors.Unauthorized("no token"),
        errors.TooManyRequests("slow down", retry_after=7),
        errors.Conflict("used"),
    ],
)
def test_a_refusal_survives_the_trip_between_processes(error: errors.ShelterError) -> None:
    back: Any = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (back.message, back.headers, back.status_code, back.code) == (
        error.message,
        error.headers,
        error.status_code,
        error.code,
    )
    assert str(back) == str(error)


def test_a_stopped_app_ends_its_writer_process(door_app: FastAPI) -> None:
    with TestClient(door_app) as client:
        assert client.post("/api/v1/events", json=event("S01", headcount=1), headers=HQ).is_success
        pid = _door_pid(door_app)
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, "the writer process outlived its app"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
        os.kill(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        return False
    return True


@contextmanager
def _writer_process(database_url: str, publisher: Publisher) -> Iterator[WriterProcess]:
    """A writer process on its own (no HTTP), on a database with the seeded shelters."""
    settings = Settings(database_url=database_url, admin_token=ADMIN)
    database = Database(database_url)
    bootstrap(database, settings)
    database.dispose()
    door = WriterProcess(settings, publisher)
    door.start()
    try:
        yield door
    finally:
        door.stop()


def _scan(door: WriterProcess, shelter_id: str, headcount: int = 1) -> Future[tuple[int, bytes]]:
    """A walk-in check-in sent as the edge sends it."""
    data = EventIn(**event(shelter_id, headcount=headcount))
    return door.submit(intake.answered, {"data": data, "token": ADMIN})


def test_big_uploads_and_their_big_answers_all_get_through(database_url: str) -> None:
    """Eight uploads of 500 events (more than the pipe holds) sent at once with check-ins,
    and answers of 500 items back: every one is applied once and answered."""
    with _writer_process(database_url, Unheard()) as door:
        uploads = [
            door.submit(
                service.upload,
                {"raw": [event("S01", headcount=1) for _ in range(500)], "token": ADMIN},
            )
            for _ in range(8)
        ]
        scans = [_scan(door, "S02", headcount=2) for _ in range(32)]
        applied = [item.status for f in uploads for item in f.result(timeout=120).results]
        assert applied == ["applied"] * 4000
        assert [f.result(timeout=120)[0] for f in scans] == [201] * 32


def test_ready_only_while_the_writer_process_runs(door: TestClient, door_app: FastAPI) -> None:
    assert door.get("/readyz").json() == {"status": "ready"}
    door_app.state.writer._door.stop()  # as at shutdown: not started again
    answer = door.get("/readyz")
    assert (answer.status_code, answer.json()) == (503, {"status": "unavailable"})
    refused = door.post("/api/v1/events", json=event("S01", headcount=1), headers=HQ)
    assert (refused.status_code, refused.json()["code"]) == (503, "writer_restarted")
    assert refused.headers["retry-after"] == "1"


def test_a_job_that_breaks_while_being_made_fails_alone(database_url: str) -> None:
    with _writer_process(database_url, Unheard()) as door:
        pid = door.pid
        # Not a list of events: the upload's maker breaks on it (a TypeError, not a refusal).
        bad = door.submit(service.upload, {"raw": 5, "token": ADMIN})
        good = _scan(door, "S01")
        with pytest.raises(TypeError):
            bad.result(timeout=60)
        assert good.result(timeout=60)[0] == 201
        assert (door.pid, door.up) == (pid, True)  # the same process goes on


class _Broken(Unheard):
    def publish(self, statuses: Sequence[ShelterStatus]) -> None:
        raise RuntimeError("a broken live hub")


def test_a_publisher_that_fails_still_lets_every_committed_request_hear(
    database_url: str,
) -> None:
    with _writer_process(database_url, _Broken()) as door:
        sent = [_scan(door, "S03") for _ in range(3)]
        assert [f.result(timeout=60)[0] for f in sent] == [201, 201, 201]
