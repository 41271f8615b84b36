"""pending messages index, foreign key indexes

A conversation's undelivered replies are read on every turn; a partial index holds only the
rows in flight, so the read no longer walks the whole transcript (#4). Two foreign keys get
the index SQLite needs to check them without a scan (messages are inserted on every turn and
deleted on erasure; conversations are deleted on erasure).

On PostgreSQL, building an index blocks inserts into its table while it runs, and every chat
turn inserts messages. On a large store, build the pending index beforehand without blocking
(the README's "Running against PostgreSQL" shows the statement); this migration then finds it
and leaves it alone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # IF NOT EXISTS: an operator may have built it CONCURRENTLY before the upgrade.
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_messages_pending ON messages"
            " (conversation_id, seq) WHERE delivery = 'pending'"
        )
    else:
        with op.batch_alter_table("messages", schema=None) as batch_op:
            batch_op.create_index(
                "ix_messages_pending",
                ["conversation_id", "seq"],
                unique=False,
                sqlite_where=sa.text("delivery = 'pending'"),
            )
    with op.batch_alter_table("unanswered_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unanswered_questions_message_id"), ["message_id"], unique=False
        )
    with op.batch_alter_table("survey_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_requests_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_requests_conversation_id"))
    with op.batch_alter_table("unanswered_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unanswered_questions_message_id"))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_pending", sqlite_where=sa.text("delivery = 'pending'"))
