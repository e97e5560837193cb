"""Crash safety: kill -9 in the middle of a burst loses no acknowledged check-in."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from shelter.config import Settings
from shelter.db import Database
from shelter.events import rebuild
from tests.conftest import ADMIN, HQ
from tests.server import Server, start, stop

pytestmark = pytest.mark.slow  # kills a real server mid-burst: seconds per test

CLIENTS = 16
EVENTS = 2000


def _client(
    index: int, base: str, acknowledged: list[str], lock: threading.Lock, done: threading.Event
) -> None:
    """Send this client's share; on any failure retry the same event_id until answered."""
    shelters = ["S01", "S02", "S03", "S04", "S05"]
    with httpx.Client(base_url=base, headers=HQ, timeout=5) as http:
        for n in range(EVENTS // CLIENTS):
            body = {
                "event_id": str(uuid.uuid4()),
                "shelter_id": shelters[n % 5],
                "kind": "check_in",
                "pass_code": None,
                "headcount": 1,
            }
            while not done.is_set():
                try:
                    response = http.post("/api/v1/events", json=body)
                except httpx.TransportError:
                    time.sleep(0.05)  # the server is down: keep the event, try again
                    continue
                if response.status_code in (200, 201):
                    with lock:
                        acknowledged.append(body["event_id"])
                    break
                time.sleep(0.05)


def test_kill_9_mid_burst_loses_nothing_acknowledged_and_counts_nothing_twice(
    tmp_path: Path,
) -> None:
    """16 retrying clients, 2,000 check-ins, SIGKILL halfway: every ack is stored exactly once."""
    database = tmp_path / "crash.db"
    env = {"SHELTER_ADMIN_TOKEN": ADMIN}
    server: Server = start(database, env=env)
    acknowledged: list[str] = []
    lock, done = threading.Lock(), threading.Event()
    threads = [
        threading.Thread(target=_client, args=(i, server.base, acknowledged, lock, done))
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < EVENTS // 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.process.kill()  # SIGKILL: no shutdown, no flush, mid-transaction
    server.process.communicate()  # reap it and close its pipe
    killed_at = len(acknowledged)
    restarted = start(database, env=env, port=server.port)
    try:
        for thread in threads:
            thread.join(timeout=120)
        done.set()
    finally:
        stop(restarted)

    assert EVENTS // 2 <= killed_at < EVENTS, "the kill did not land mid-burst"
    assert len(acknowledged) == EVENTS
    assert len(set(acknowledged)) == EVENTS
    db = Database(Settings(database_url=f"sqlite:///{database}").database_url)
    with db.reader() as session:
        stored = [
            row[0]
            for row in session.connection().exec_driver_sql("SELECT event_id FROM events").all()
        ]
        live, rebuilt = rebuild.live_counts(session), rebuild.rebuild(session)
        ledger = rebuild.ledger_counts(session)
    db.dispose()
    assert sorted(stored) == sorted(acknowledged)
    assert live == rebuilt == ledger
    assert sum(load.occupancy for load in live.values()) == EVENTS
    check = sqlite3.connect(database)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()
