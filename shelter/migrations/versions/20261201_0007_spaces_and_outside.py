"""spaces and outside: sub-capacities and their live counts, stay on events (#16, #17)

Adds the accessible space and pet area (capacity, live count) and the count of people
staying outside to shelters; where a household's present people stay, and how many of its
members need the accessible space, to households; the stay to every event; and the three
new counts' changes to count_changes. The new counts start from what the households inside
now give (every earlier check-in was inside), written down as one count change per shelter
so the ledger still sums to the live counts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import shelter.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule as it stands in shelter/events/timeline.py at this revision (a migration must
# not change when the code does).
_ACCESSIBLE_NEEDS = {"wheelchair", "medical_care"}


def upgrade() -> None:
    # Plain ADD COLUMNs with server defaults: no table copy, and the append-only trigger on
    # events is not involved (no row is updated).
    for name in ("accessible_capacity", "pets_capacity"):
        op.add_column("shelters", sa.Column(name, sa.Integer(), nullable=True))
    for name in ("accessible_occupancy", "pets_occupancy", "outside"):
        op.add_column("shelters", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("households", sa.Column("present_stay", sa.String(length=16), nullable=True))
    op.add_column(
        "households", sa.Column("accessible", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "events",
        sa.Column("stay", sa.String(length=16), nullable=False, server_default="shelter"),
    )
    for name in ("accessible_delta", "pets_delta", "outside_delta"):
        op.add_column(
            "count_changes", sa.Column(name, sa.Integer(), nullable=False, server_default="0")
        )
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE households SET present_stay = 'shelter' WHERE present > 0"))
    accessible: dict[str, int] = defaultdict(int)
    for household_id, needs in conn.execute(sa.text("SELECT household_id, needs FROM members")):
        listed = json.loads(needs) if isinstance(needs, str) else needs
        if _ACCESSIBLE_NEEDS.intersection(listed or ()):
            accessible[household_id] += 1
    for household_id, count in accessible.items():
        conn.execute(
            sa.text("UPDATE households SET accessible = :n WHERE id = :id"),
            {"n": count, "id": household_id},
        )
    inside = conn.execute(
        sa.text(
            "SELECT shelter_id, present, pets, accessible FROM households "
            "WHERE shelter_id IS NOT NULL AND present > 0"
        )
    ).all()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for shelter_id, present, pets, members in inside:
        totals[shelter_id][0] += min(members, present)
        totals[shelter_id][1] += pets
    now = datetime.now(UTC)
    for shelter_id, (people, animals) in sorted(totals.items()):
        if not (people or animals):
            continue
        conn.execute(
            sa.text(
                "UPDATE shelters SET accessible_occupancy = :a, pets_occupancy = :p WHERE id = :id"
            ),
            {"a": people, "p": animals, "id": shelter_id},
        )
        # An opening count change with no event, like a correction's.
        conn.execute(
            sa.text(
                "INSERT INTO count_changes (event_seq, shelter_id, delta, accessible_delta, "
                "pets_delta, outside_delta, occurred_at) VALUES (NULL, :id, 0, :a, :p, 0, :at)"
            ).bindparams(sa.bindparam("at", type_=shelter.db.UTCDateTime())),
            {"id": shelter_id, "a": people, "p": animals, "at": now},
        )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both databases (SQLite 3.35+): a batch copy of events
    # would drop its append-only triggers, and one of shelters would trip the foreign keys.
    for table, names in (
        ("count_changes", ("outside_delta", "pets_delta", "accessible_delta")),
        ("events", ("stay",)),
        ("households", ("accessible", "present_stay")),
        (
            "shelters",
            (
                "outside",
                "pets_occupancy",
                "accessible_occupancy",
                "pets_capacity",
                "accessible_capacity",
            ),
        ),
    ):
        for name in names:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
