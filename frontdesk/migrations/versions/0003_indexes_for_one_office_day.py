"""Indexes that keep per-change queries to one office day (or to live tickets), whatever the
history: the old (status, service, ...) index walked every finished ticket ever.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE/DROP INDEX, not batch mode: on SQLite a batch would copy the whole table.
    op.drop_index("ix_ticket_queue", table_name="ticket")
    # The unique (office_day, number) constraint and ix_ticket_day both lead with the day.
    op.drop_index("ix_ticket_office_day", table_name="ticket")
    op.create_index(
        "ix_ticket_day",
        "ticket",
        ["office_day", "status", "service", "target_desk", "effective_at", "seq", "number"],
    )
    op.create_index(
        "ix_ticket_day_finished",
        "ticket",
        ["office_day", "status", "service", "finished_at", "called_at"],
    )
    op.create_index("ix_ticket_held", "ticket", ["status", "desk"])
    op.create_index(
        "ix_ticket_long_wait",
        "ticket",
        ["status", "issued_at"],
        sqlite_where=sa.text("status = 'WAITING' AND long_wait_alerted = 0"),
        postgresql_where=sa.text("status = 'WAITING' AND NOT long_wait_alerted"),
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_long_wait", table_name="ticket")
    op.drop_index("ix_ticket_held", table_name="ticket")
    op.drop_index("ix_ticket_day_finished", table_name="ticket")
    op.drop_index("ix_ticket_day", table_name="ticket")
    op.create_index("ix_ticket_office_day", "ticket", ["office_day"])
    op.create_index("ix_ticket_queue", "ticket", ["status", "service", "effective_at", "seq"])
