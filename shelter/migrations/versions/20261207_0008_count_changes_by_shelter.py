"""count changes by shelter: an index on (shelter_id, id) for the forecast's fold

Every commit that moves a shelter's count reads that shelter's changes since the last one
folded into its trend (``occupancy.fold_and_read``: ``shelter_id`` one of the group's, ``id``
above the shelter's ``trend_seq``). Without this index PostgreSQL answered it by reading
every count change (a sequential scan) or every change above the lowest ``trend_seq`` of
the group; with it, each shelter's new changes are one short range of the index. It also
serves the foreign key to shelters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_count_changes_shelter", "count_changes", ["shelter_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_count_changes_shelter", table_name="count_changes")
