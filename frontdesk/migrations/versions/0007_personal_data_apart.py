"""Personal data apart from the event log: e-mail contacts, follow-ups and the outbox in tables
that can be emptied, and the needs and priority claims the log held until now taken out of it.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from frontdesk.db import append_only_guard

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The entries that used to copy what a visitor declared into the log, and the keys they used.
PERSONAL_KEYS = {
    "ticket.issued": ("needs", "priority"),
    "priority.verified": ("priority",),
    "priority.rejected": ("priority",),
}


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _time() -> sqlmodel.sql.sqltypes.UTCDateTime:
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("ticket_id", _text(32), nullable=False),
        sa.Column("office_day", sa.Date(), nullable=False),
        sa.Column("email", _text(254), nullable=False),
        sa.Column("language", _text(2), nullable=False),
        sa.Column("consented_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.Column("near_sent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_contact_office_day", "contact", ["office_day"])
    op.create_index("ix_contact_email", "contact", ["email"])
    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", _text(32), nullable=False),
        sa.Column("office_day", sa.Date(), nullable=False),
        sa.Column("desk", sa.Integer(), nullable=True),
        sa.Column("promise", _text(2000), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.Enum("OPEN", "DONE", name="followupstatus"), nullable=False),
        sa.Column("created_by", _text(80), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("done_by", _text(80), nullable=True),
        sa.Column("done_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_followup_ticket_id", "followup", ["ticket_id"])
    op.create_index("ix_followup_office_day", "followup", ["office_day"])
    op.create_index("ix_followup_status", "followup", ["status"])
    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", _text(200), nullable=False),
        sa.Column("office_day", sa.Date(), nullable=False),
        sa.Column("ticket_id", _text(32), nullable=True),
        sa.Column("kind", _text(20), nullable=False),
        sa.Column("recipient", _text(254), nullable=False),
        sa.Column("language", _text(2), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("PENDING", "SENT", "STALE", "REFUSED", name="mailstatus"),
            nullable=False,
        ),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _time(), nullable=False),
        sa.Column("last_error", _text(500), nullable=True),
        sa.Column("sent_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outboxmessage_office_day", "outboxmessage", ["office_day"])
    op.create_index("ix_outboxmessage_ticket_id", "outboxmessage", ["ticket_id"])
    op.create_index("ix_outbox_due", "outboxmessage", ["status", "next_attempt_at"])
    _take_personal_data_out_of_the_log()


def _take_personal_data_out_of_the_log() -> None:
    """The needs and priorities stay on the tickets, where the purge can reach them; the log
    keeps who, what and when. The only time the log's rows change, so the guard is lifted for
    this one statement and put back before the migration commits."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    log = sa.table(
        "auditevent", sa.column("id", sa.Integer()), sa.column("kind"), sa.column("data", sa.JSON())
    )
    rows = bind.execute(
        sa.select(log.c.id, log.c.kind, log.c.data).where(log.c.kind.in_(list(PERSONAL_KEYS)))
    ).all()
    changed = [
        (row.id, {k: v for k, v in row.data.items() if k not in PERSONAL_KEYS[row.kind]})
        for row in rows
        if any(k in row.data for k in PERSONAL_KEYS[row.kind])
    ]
    if not changed:
        return
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent")
    else:
        op.execute("DROP TRIGGER IF EXISTS auditevent_no_update")
        op.execute("DROP TRIGGER IF EXISTS auditevent_no_delete")
    for entry_id, data in changed:
        bind.execute(sa.update(log).where(log.c.id == entry_id).values(data=data))
    for statement in append_only_guard(dialect):
        op.execute(statement)


def downgrade() -> None:
    # What was taken out of the log is not put back: it may have been erased since.
    op.drop_index("ix_outbox_due", table_name="outboxmessage")
    op.drop_index("ix_outboxmessage_ticket_id", table_name="outboxmessage")
    op.drop_index("ix_outboxmessage_office_day", table_name="outboxmessage")
    op.drop_table("outboxmessage")
    op.drop_index("ix_followup_status", table_name="followup")
    op.drop_index("ix_followup_office_day", table_name="followup")
    op.drop_index("ix_followup_ticket_id", table_name="followup")
    op.drop_table("followup")
    op.drop_index("ix_contact_email", table_name="contact")
    op.drop_index("ix_contact_office_day", table_name="contact")
    op.drop_table("contact")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE IF EXISTS mailstatus")
        op.execute("DROP TYPE IF EXISTS followupstatus")
