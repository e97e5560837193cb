"""forecast: each shelter's recent count changes per minute, and the last one folded in

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs with defaults. trend_seq 0: a shelter's next write folds in the
    # count changes of the last window (the fold reads only those), so an upgraded
    # database forecasts from its recent history at once.
    op.add_column("shelters", sa.Column("trend", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column(
        "shelters", sa.Column("trend_seq", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("shelters") as batch:
        batch.drop_column("trend_seq")
        batch.drop_column("trend")
