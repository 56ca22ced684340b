"""Incident reports written after an alert, the ticket number kept with each alert, and the
security role.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL keeps the roles as a native enum; SQLite stores them as plain text.
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'SECURITY'")
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("ticket_number", _text(8), nullable=True))
    op.create_table(
        "incidentreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("office_day", sa.Date(), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("desk", sa.Integer(), nullable=True),
        sa.Column("ticket_id", _text(32), nullable=True),
        sa.Column("ticket_number", _text(8), nullable=True),
        sa.Column("clerk", _text(80), nullable=False),
        sa.Column("kind", _text(40), nullable=False),
        sa.Column("responder", _text(80), nullable=True),
        sa.Column("what_happened", _text(4000), nullable=False),
        sa.Column("what_was_said", _text(4000), nullable=False),
        sa.Column("witnesses", _text(2000), nullable=False),
        sa.Column("actions_taken", _text(4000), nullable=False),
        sa.Column("police_called", sa.Boolean(), nullable=False),
        sa.Column("medical_called", sa.Boolean(), nullable=False),
        sa.Column("created_by", _text(80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", _text(80), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id"),
    )
    op.create_index("ix_incidentreport_office_day", "incidentreport", ["office_day"])
    op.create_index("ix_incidentreport_clerk", "incidentreport", ["clerk"])


def downgrade() -> None:
    op.drop_index("ix_incidentreport_clerk", table_name="incidentreport")
    op.drop_index("ix_incidentreport_office_day", table_name="incidentreport")
    op.drop_table("incidentreport")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("ticket_number")
