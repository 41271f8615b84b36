"""staff outbox email slack users suppressions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 20:50:04.262957
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crm_store.columns

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
        sa.UniqueConstraint("identity_hash", name=op.f("uq_suppressions_identity_hash")),
    )
    op.create_table(
        "email_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_email_messages_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_email_messages_dedupe_key")),
    )
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_messages_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_email_messages_outbox", ["state", "next_attempt_at"], unique=False
        )

    op.create_table(
        "staff_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("rep_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("ref", sa.String(length=100), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("platform_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_staff_messages_rep_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_staff_messages_dedupe_key")),
    )
    with op.batch_alter_table("staff_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_staff_messages_outbox", ["state", "next_attempt_at"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("rep_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_users_rep_id_reps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "slack_cards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "claimed_by_rep_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("claimed_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("announcements", sa.Integer(), nullable=False),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimed_by_rep_id"], ["reps.id"], name=op.f("fk_slack_cards_claimed_by_rep_id_reps")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_slack_cards_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_slack_cards_lead_id_leads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_cards")),
    )
    with op.batch_alter_table("slack_cards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slack_cards_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_slack_cards_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index("ix_slack_cards_message", ["channel", "ts"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_cards", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_cards_message")
        batch_op.drop_index(batch_op.f("ix_slack_cards_lead_id"))
        batch_op.drop_index(batch_op.f("ix_slack_cards_conversation_id"))

    op.drop_table("slack_cards")
    op.drop_table("users")
    with op.batch_alter_table("staff_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_messages_outbox")

    op.drop_table("staff_messages")
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_email_messages_outbox")
        batch_op.drop_index(batch_op.f("ix_email_messages_contact_id"))

    op.drop_table("email_messages")
    op.drop_table("suppressions")
