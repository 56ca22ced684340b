"""Issue attempts named by an idempotency key, so a retried kiosk request gets its ticket back.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issuerequest",
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ticket_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("office_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "key"),
    )
    op.create_index("ix_issuerequest_office_day", "issuerequest", ["office_day"])


def downgrade() -> None:
    op.drop_index("ix_issuerequest_office_day", table_name="issuerequest")
    op.drop_table("issuerequest")
