"""Backups while the service runs, and bringing one back.

- SQLite: the online backup API copies the database page by page inside one read
  transaction, so the copy is the database as of one moment, even while the writer commits
  check-ins (WAL lets both go on). The copy is a plain SQLite file.
- PostgreSQL: ``pg_dump`` in its custom format (Debian's ``postgresql-client``), itself a
  consistent snapshot; ``pg_restore`` brings it back.

A restore replaces what the target database holds, so stop the service first. Every event
acknowledged before a backup began is in it: nobody is answered before their commit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine.url import make_url

from shelter.db import normalize_url
from shelter.errors import Invalid

log = logging.getLogger("shelter.backups")

SQLITE_SUFFIX, POSTGRES_SUFFIX = ".sqlite3", ".pgdump"


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise Invalid("an in-memory database has nothing to back up")
    return Path(parsed.database)


def _libpq(url: str) -> str:
    return (
        make_url(normalize_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Invalid(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def backup(url: str, target: Path) -> Path:
    """A consistent copy of the database at ``url``, written to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Several workers may back up the same period at once: each writes its own partial.
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    source = _sqlite_path(url)
    if source is not None:
        if not source.is_file():
            raise Invalid(f"no database at {source}")
        with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
            src.backup(dst)  # all pages in one step: one read transaction, one moment
        dst.close()
        src.close()
    else:
        # The operator's own database URL and a path they chose; no shell is involved.
        done = subprocess.run(  # noqa: S603
            [_tool("pg_dump"), "--format=custom", "--file", str(partial), _libpq(url)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise Invalid(f"pg_dump failed: {done.stderr.strip()}")
    # Only a finished copy takes the name: a crash mid-backup never leaves a half file
    # that looks like a good one.
    partial.replace(target)
    return target


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source`` (stop the service)."""
    if not source.is_file():
        raise Invalid(f"no backup at {source}")
    target = _sqlite_path(url)
    if target is not None:
        with sqlite3.connect(source) as src:
            try:
                sound = src.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            except sqlite3.DatabaseError:
                sound = False
            if not sound:
                raise Invalid(f"{source} is not a sound SQLite backup")
            target.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(target) as dst:
                src.backup(dst)
            dst.close()
        src.close()
        return
    done = subprocess.run(  # noqa: S603 - as in backup()
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq(url),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Invalid(f"pg_restore failed: {done.stderr.strip()}")


def timestamped(url: str, folder: Path, *, every: float, now: datetime | None = None) -> Path:
    """The file for the period ``now`` falls in: every worker of one service names the
    same period's backup alike, so ``--workers 4`` still makes one file a period."""
    moment = (now or datetime.now(UTC)).timestamp()
    start = datetime.fromtimestamp(moment - moment % every, UTC)
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    suffix = SQLITE_SUFFIX if _sqlite_path(url) is not None else POSTGRES_SUFFIX
    return folder / f"shelter-{stamp}{suffix}"


def prune(folder: Path, keep: int) -> None:
    """Keep the newest ``keep`` backups in ``folder``; their names sort by time."""
    made = sorted(
        p for p in folder.glob("shelter-*") if p.suffix in (SQLITE_SUFFIX, POSTGRES_SUFFIX)
    )
    for old in made[: max(len(made) - keep, 0)]:
        old.unlink(missing_ok=True)


async def schedule(url: str, folder: Path, *, every: float, keep: int) -> None:
    """Run until cancelled: a backup every ``every`` seconds, the newest ``keep`` kept."""
    while True:
        await asyncio.sleep(every)
        try:
            target = timestamped(url, folder, every=every)
            if target.exists():
                continue  # another worker took this period's backup
            made = await asyncio.to_thread(backup, url, target)
            await asyncio.to_thread(prune, folder, keep)
            log.info("backup written", extra={"file": made.name})
        except Exception:
            log.exception("scheduled backup failed; trying again next period")


def parse_every(text: str) -> float:
    """``90s``, ``10m``, ``1h`` or plain seconds, as seconds (at least 10)."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise Invalid(
            f"--backup-every {text!r}: give seconds, or a number with s, m or h"
        ) from None
    if seconds < 10:
        raise Invalid("--backup-every must be at least 10 seconds")
    return seconds
