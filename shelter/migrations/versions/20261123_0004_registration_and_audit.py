"""registration details, pre-printed passes, merges, erasure, and the audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shelter.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (SQLite does them in place): households is referenced by events and
    # members, so it must never be copied and dropped the way batch mode would.
    op.add_column("households", sa.Column("stay", sa.String(length=16), nullable=True))
    op.add_column(
        "households",
        sa.Column("consent_safety_info", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "households",
        sa.Column("origin", sa.String(length=16), nullable=False, server_default="self"),
    )
    op.add_column("households", sa.Column("created_by", sa.String(length=32), nullable=True))
    op.add_column("households", sa.Column("merged_into", sa.String(length=32), nullable=True))
    op.add_column(
        "households",
        sa.Column("merged_records", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "households",
        sa.Column("erased_at", shelter.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_households_merged_into", "households", ["merged_into"], unique=False)
    # Households made by the door with only a headcount were the anonymous ones so far.
    op.execute("UPDATE households SET origin = 'walk_in' WHERE anonymous")

    # A correction's recount has no event of its own. count_changes is referenced by
    # nothing, so SQLite's copy-and-swap of batch mode is safe here.
    with op.batch_alter_table("count_changes", schema=None) as batch_op:
        batch_op.alter_column("event_seq", existing_type=sa.Integer(), nullable=True)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", shelter.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=True),
        sa.Column("shelter_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_household_id", "audit_log", ["household_id"], unique=False)
    op.create_index("ix_audit_log_shelter_id", "audit_log", ["shelter_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_shelter_id", table_name="audit_log")
    op.drop_index("ix_audit_log_household_id", table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("count_changes", schema=None) as batch_op:
        batch_op.alter_column("event_seq", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_households_merged_into", table_name="households")
    # Plain DROP COLUMNs (SQLite 3.35+), for the same reason as the ADDs above.
    for column in (
        "erased_at",
        "merged_records",
        "merged_into",
        "created_by",
        "origin",
        "consent_safety_info",
        "stay",
    ):
        op.drop_column("households", column)
