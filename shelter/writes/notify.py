"""Telling the other workers what changed: a PostgreSQL NOTIFY sent inside the transaction.

PostgreSQL delivers a NOTIFY when, and only if, its transaction commits, so a worker never
hears of a change that rolled back. The payload names only what changed, never personal
data: ``{"shelter_id", "version"}`` for a shelter, ``{"revoked": token_id}`` for a token,
``{"removed": shelter_id}`` for a shelter deleted.
The listening side is ``live/pgbridge.py``. On SQLite there is one process and no NOTIFY.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from shelter import driver
from shelter.occupancy.schemas import ShelterStatus

CHANNEL = "shelter_changes"
# All of a commit's notifications in one statement: one round trip, not one per shelter;
# on the driver, so it can go in one pipeline with the trend updates (``writes/path.py``).
_PAYLOADS = (
    func.unnest(bindparam("payloads", type_=ARRAY(String())))
    .table_valued("payload")
    .render_derived()
)
_NOTIFY = driver.Prepared(
    select(func.pg_notify(bindparam("channel", type_=String()), _PAYLOADS.c.payload).label("sent"))
)


def signal(
    session: Session,
    statuses: Iterable[ShelterStatus],
    *,
    revoked: Iterable[str] = (),
    removed: Iterable[str] = (),
) -> None:
    """Queue one notification per changed shelter, revoked token and removed shelter;
    PostgreSQL sends them on commit."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    payloads = [json.dumps({"shelter_id": s.id, "version": s.version}) for s in statuses]
    payloads += [json.dumps({"revoked": token_id}) for token_id in revoked]
    payloads += [json.dumps({"removed": shelter_id}) for shelter_id in removed]
    if payloads:
        driver.run(connection, _NOTIFY, {"channel": CHANNEL, "payloads": payloads})
