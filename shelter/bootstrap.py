"""First start: migrate the schema, seed the town's shelters, make the admin token."""

from __future__ import annotations

import functools
import gc
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlmodel import Session

from shelter.auth import service as auth
from shelter.auth.schemas import Role
from shelter.config import Settings
from shelter.db import Database, utcnow
from shelter.shelters import service as shelters
from shelter.tables import Meta
from shelter.writes.path import Change, Unheard, WritePath, done

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(db: Database) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    config = alembic_config()
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def first_start(session: Session, *, settings: Settings) -> Change[str | None]:
    """Seed once per database; answers a new admin token when one had to be made."""
    if session.get(Meta, "initialized_at") is not None:
        return done(None)
    seeded: frozenset[str] = frozenset()
    if settings.seed and shelters.count(session) == 0:
        imported = shelters.import_csv(
            session, parsed=shelters.read_list(shelters.demo_csv()), open_new=True
        )
        result = imported.answer({})
        if result.skipped:
            raise RuntimeError(f"seed file rows skipped: {result.skipped}")
        seeded = imported.touched
    secret = None
    if not settings.admin_token:
        _, secret = auth.mint(session, role=Role.hq, shelter_id=None, label="admin (first start)")
    session.add(Meta(key="initialized_at", value=utcnow().isoformat()))
    return done(secret, touched=seeded)


def _first_start(db: Database, settings: Settings) -> str | None:
    # Through the one write path: a worker already running hears of the seeded shelters.
    return WritePath(db, settings, Unheard()).run(functools.partial(first_start, settings=settings))


# Any fixed number: the key of the PostgreSQL advisory lock that serializes start-up.
_BOOTSTRAP_LOCK = 0x5E17E7


def bootstrap(db: Database, settings: Settings) -> str | None:
    """Migrate and seed. With PostgreSQL, workers starting together take turns under an
    advisory lock, so migrations run once per deploy and never race."""
    if db.is_sqlite:
        migrate(db)
        return _first_start(db, settings)
    with db.engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _BOOTSTRAP_LOCK})
        try:
            migrate(db)
            return _first_start(db, settings)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _BOOTSTRAP_LOCK})
            lock.commit()


def settle_heap() -> None:
    """Once a serving process (or the door's writer process) has started: what it made so
    far is never scanned again, and a busier young generation means fewer collector pauses
    in the middle of a surge."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
