"""Backups taken while check-ins stream in, and brought back: nothing acknowledged is lost."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from shelter.cli import main
from shelter.config import Settings
from shelter.db import Database
from shelter.events import rebuild
from shelter.tables import Event
from tests.conftest import ADMIN, HQ
from tests.server import Server, serve

pytestmark = pytest.mark.slow  # a real server under load


class Stream:
    """Kiosks checking walk-ins in as fast as they can; remembers what was acknowledged."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.acknowledged: list[tuple[float, str]] = []  # (when the answer came, event_id)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(4)]

    def _run(self, index: int) -> None:
        with httpx.Client(headers=HQ, timeout=30) as http:
            while not self.stop.is_set():
                event_id = str(uuid.uuid4())
                body = {
                    "event_id": event_id,
                    "shelter_id": f"S0{index + 1}",
                    "kind": "check_in",
                    "headcount": 1,
                }
                if http.post(f"{self.server.base}/api/v1/events", json=body).status_code == 201:
                    with self.lock:
                        self.acknowledged.append((time.monotonic(), event_id))

    def __enter__(self) -> Stream:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def acknowledged_before(stream: Stream, moment: float) -> set[str]:
    with stream.lock:
        return {event_id for at, event_id in stream.acknowledged if at < moment}


def stored(url: str) -> tuple[set[str], bool]:
    db = Database(Settings(database_url=url).database_url)
    with db.reader() as session:
        ids = set(session.exec(select(Event.event_id)).all())
        live = rebuild.live_counts(session)
        exact = live == rebuild.rebuild(session) == rebuild.ledger_counts(session)
    db.dispose()
    return ids, exact


def backup_mid_stream(source_url: str, backup: Path, restored_url: str) -> None:
    """Back up while check-ins stream in, restore elsewhere, and compare."""
    with serve(source_url, env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server, Stream(server) as stream:
        # Until the stream is going (a loaded host acknowledges fewer a second), not a
        # fixed sleep.
        deadline = time.monotonic() + 30
        while len(acknowledged_before(stream, time.monotonic())) <= 20:
            assert time.monotonic() < deadline, "the stream never got going"
            time.sleep(0.1)
        began = time.monotonic()
        assert main(["backup", str(backup), "--db", source_url]) == 0
        time.sleep(0.5)  # the stream goes on after the backup
    before = acknowledged_before(stream, began)
    assert len(before) > 20, "the stream never got going"
    assert main(["restore", str(backup), "--db", restored_url]) == 0
    ids, exact = stored(restored_url)
    assert before <= ids, f"{len(before - ids)} acknowledged events missing from the backup"
    assert exact, "restored counts differ from a rebuild from the restored event log"
    assert len(ids) < len(stream.acknowledged), "the backup is not a copy of one moment"


@pytest.mark.sqlite_only
def test_a_sqlite_backup_mid_stream_holds_everything_acknowledged_before_it(
    tmp_path: Path,
) -> None:
    """SQLite's online backup of a live database, restored into a new file."""
    backup_mid_stream(
        f"sqlite:///{tmp_path / 'live.db'}",
        tmp_path / "backups" / "b.sqlite3",
        f"sqlite:///{tmp_path / 'restored.db'}",
    )


def test_restoring_a_file_that_is_not_a_backup_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong file is refused with one line, and the database is left as it was."""
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    assert main(["restore", str(junk), "--db", f"sqlite:///{tmp_path / 'r.db'}"]) == 2
    assert "junk.sqlite3" in capsys.readouterr().err


@pytest.mark.sqlite_only
def test_serve_takes_backups_on_a_schedule_and_keeps_the_newest(tmp_path: Path) -> None:
    """--backup-every 10s --backup-keep 1: a backup appears, and only one is kept."""
    folder = tmp_path / "scheduled"
    args = ["--backup-dir", str(folder), "--backup-every", "10s", "--backup-keep", "1"]
    with serve(tmp_path / "s.db", env={"SHELTER_ADMIN_TOKEN": ADMIN}, args=args):
        deadline = time.monotonic() + 25
        while not list(folder.glob("shelter-*.sqlite3")) and time.monotonic() < deadline:
            time.sleep(0.25)
    made = list(folder.glob("shelter-*.sqlite3"))
    assert len(made) == 1, made
    assert stored(f"sqlite:///{made[0]}")[1]
