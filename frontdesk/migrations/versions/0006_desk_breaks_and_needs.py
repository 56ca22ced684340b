"""Desks on a break (paused_at, break_reason) and the desk features a ticket's needs call for
(ticket.requires), so call-next can leave a visitor to a desk that has them.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(
            sa.Column("requires", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
    with op.batch_alter_table("deskstate") as batch:
        batch.add_column(sa.Column("paused_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("break_reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("deskstate") as batch:
        batch.drop_column("break_reason")
        batch.drop_column("paused_at")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("requires")
