"""Row locks on shelters: the one place that decides the order PostgreSQL writes lock in.

Several workers change shelter counts at once. Two transactions that lock the same
shelters in different orders wait on each other in a circle, and PostgreSQL ends that
only after ``deadlock_timeout`` (a second) by killing one. So every write locks the
shelter rows it is about to change here, in id order, before changing any: the group
writer takes the shelters its requests name up front, and the count changes themselves
(``take`` before each update) add any shelter a request only found out about later, such
as the one a household moves from. A lock taken late can still sort before one already
held; that rare case is a deadlock PostgreSQL reports, and the writer runs the group again.

A group of check-ins and uploads alone (every work *checked*, ``writes/path.py``) takes
no shelter lock up front: its count changes are held to the group's end
(``writes/behind.py``) and go out as one update per shelter, in id order
(``events/pending.py``), which locks the rows then, just before the statuses are read and
the group commits. So another worker's group waits only for those last round trips, not
for this group's work. Its room checks (over capacity, the alternatives) read the counts as
last committed: a group that commits on another worker meanwhile is not in them, while the
counts themselves, changed by difference, miss nothing.

Households come before shelters: a group's check-ins lock theirs in one read, in id order,
before the shelters are locked (``events/apply.look_ahead``), as a correction locks its
household before the shelters its counts move.

SQLite has one writer at a time (``BEGIN IMMEDIATE``), so nothing is locked there.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from shelter import driver
from shelter.tables import Shelter

_S = Shelter.__table__  # type: ignore[attr-defined]
# On the driver (prepared, the ids as one parameter): taken once a group on the hot path.
# FOR NO KEY UPDATE, the lock an UPDATE of the counts takes itself: it shuts out the other
# writers, but not an insert that only references the row (an event's foreign key takes
# FOR KEY SHARE). With FOR UPDATE, a group whose held inserts went out first would wait on
# one whose update it was itself blocking: a deadlock.
_LOCK = driver.Prepared(
    select(_S.c.id)
    .where(driver.in_values(_S.c.id, "ids"))
    .order_by(_S.c.id)
    .with_for_update(key_share=True)
)
_HELD = "shelter_locks"


def take(session: Session, shelter_ids: Iterable[str | None], *, up_front: bool = False) -> None:
    """Lock these shelters' rows for the rest of the transaction, in id order.

    Only the group's up-front locks (taken outside any savepoint) are remembered: a lock
    taken inside a work's savepoint is released if that work is refused, so it is asked
    for again next time (locking a row this transaction holds is free).
    """
    if session.get_bind().dialect.name == "sqlite":
        return
    connection = session.connection()
    held: set[str] = session.info.setdefault(_HELD, set())
    wanted = sorted({sid for sid in shelter_ids if sid is not None} - held)
    if wanted:
        driver.every(connection, _LOCK, {"ids": wanted})
        if up_front:
            held.update(wanted)


def updated(session: Session, shelter_ids: Iterable[str]) -> None:
    """These shelters' rows were just updated in the transaction itself, not in a savepoint
    (held count moves sent, ``events/pending.py``): the update took the very lock ``take``
    asks for, held till the commit, so asking for it again would only cost a round trip."""
    if session.get_bind().dialect.name != "sqlite":
        session.info.setdefault(_HELD, set()).update(shelter_ids)
