"""kiosk health: when each token's device was last heard from, and its outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shelter.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: tokens is referenced by nothing that batch mode would copy.
    op.add_column("tokens", sa.Column("last_seen_at", shelter.db.UTCDateTime(), nullable=True))
    op.add_column("tokens", sa.Column("outbox", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("outbox")
        batch.drop_column("last_seen_at")
