"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 20:07:31.271842
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crm_store.columns

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("marketing_opt_out", sa.Boolean(), nullable=False),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_phone"), ["phone"], unique=False)

    op.create_table(
        "reps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "working_hours",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reps")),
        sa.UniqueConstraint("email", name=op.f("uq_reps_email")),
        sa.UniqueConstraint("slack_user_id", name=op.f("uq_reps_slack_user_id")),
    )
    op.create_table(
        "scheduled_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("due_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_scheduled_tasks_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_tasks")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_scheduled_tasks_dedupe_key")),
    )
    with op.batch_alter_table("scheduled_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_tasks_due", ["state", "due_at"], unique=False)

    op.create_table(
        "channel_identities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_channel_identities_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("uq_channel_identities_channel_external_id")
        ),
    )
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_identities_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("text_shown", sa.Text(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_consents_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=200), nullable=False),
        sa.Column("thread_id", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "assigned_rep_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("slack_channel", sa.String(length=64), nullable=True),
        sa.Column("slack_thread_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('bot', 'handoff', 'closed')", name=op.f("ck_conversations_status")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_rep_id"], ["reps.id"], name=op.f("fk_conversations_assigned_rep_id_reps")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_conversations_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "uq_conversations_open_address",
            ["channel", "chat_id", "thread_id"],
            unique=True,
            sqlite_where=sa.text("status != 'closed'"),
            postgresql_where=sa.text("status != 'closed'"),
        )

    op.create_table(
        "leads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("product_interest", sa.String(length=100), nullable=True),
        sa.Column(
            "estimated_value", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True
        ),
        sa.Column("source_channel", sa.String(length=32), nullable=False),
        sa.Column("campaign", sa.String(length=100), nullable=True),
        sa.Column(
            "owner_rep_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'qualified', 'meeting_booked', 'won', 'lost')",
            name=op.f("ck_leads_status"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_leads_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["owner_rep_id"], ["reps.id"], name=op.f("fk_leads_owner_rep_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_owner_rep_id"), ["owner_rep_id"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rep_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("starts_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("customer_timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('booked', 'rescheduled', 'cancelled', 'done', 'no_show')",
            name=op.f("ck_follow_ups_status"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_follow_ups_positive_duration")),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_follow_ups_lead_id_leads")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_follow_ups_rep_id_reps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index("ix_follow_ups_rep_time", ["rep_id", "starts_at"], unique=False)

    op.create_table(
        "lead_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_transitions_lead_id_leads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_transitions")),
    )
    with op.batch_alter_table("lead_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_transitions_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("channel_message_id", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.String(length=500), nullable=True),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "delivery IN ('received', 'pending', 'delivered', 'failed')",
            name=op.f("ck_messages_delivery"),
        ),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_messages_direction")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "channel", "channel_message_id", name=op.f("uq_messages_channel_channel_message_id")
        ),
        sa.UniqueConstraint("conversation_id", "seq", name=op.f("uq_messages_conversation_id_seq")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_outbox", ["delivery", "next_attempt_at"], unique=False)

    op.create_table(
        "survey_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("rep_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("trigger_ref", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", crm_store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_survey_requests_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_survey_requests_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_survey_requests_rep_id_reps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_requests")),
        sa.UniqueConstraint(
            "trigger", "trigger_ref", name=op.f("uq_survey_requests_trigger_trigger_ref")
        ),
    )
    with op.batch_alter_table("survey_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_requests_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", crm_store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10) OR (kind = 'comment' AND score IS NULL)",
            name=op.f("ck_survey_responses_score_range"),
        ),
        sa.CheckConstraint(
            "kind IN ('csat', 'nps', 'comment')", name=op.f("ck_survey_responses_kind")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["survey_requests.id"],
            name=op.f("fk_survey_responses_request_id_survey_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("request_id", "kind", name=op.f("uq_survey_responses_request_id_kind")),
    )
    _follow_up_overlap_guard()


def downgrade() -> None:
    _drop_follow_up_overlap_guard()

    op.drop_table("survey_responses")
    with op.batch_alter_table("survey_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_requests_contact_id"))

    op.drop_table("survey_requests")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_outbox")

    op.drop_table("messages")
    with op.batch_alter_table("lead_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_transitions_lead_id"))

    op.drop_table("lead_transitions")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_rep_time")
        batch_op.drop_index(batch_op.f("ix_follow_ups_lead_id"))

    op.drop_table("follow_ups")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_owner_rep_id"))
        batch_op.drop_index(batch_op.f("ix_leads_contact_id"))

    op.drop_table("leads")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_conversations_open_address",
            sqlite_where=sa.text("status != 'closed'"),
            postgresql_where=sa.text("status != 'closed'"),
        )
        batch_op.drop_index(batch_op.f("ix_conversations_contact_id"))

    op.drop_table("conversations")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_contact_id"))

    op.drop_table("consents")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_identities_contact_id"))

    op.drop_table("channel_identities")
    with op.batch_alter_table("scheduled_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_tasks_due")

    op.drop_table("scheduled_tasks")
    op.drop_table("reps")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_phone"))
        batch_op.drop_index(batch_op.f("ix_contacts_email"))

    op.drop_table("contacts")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")


# Two active follow-ups of one rep must never overlap, even when two workers book the same
# slot at the same instant: only the database can promise that (issue #2).
_ACTIVE = "('booked', 'rescheduled')"


def _follow_up_overlap_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # int4range over the rep id lets a plain GiST index compare it: no btree_gist needed.
        op.execute(
            "ALTER TABLE follow_ups ADD CONSTRAINT ex_follow_ups_rep_overlap EXCLUDE USING gist "
            "(int8range(rep_id, rep_id, '[]') WITH &&, tstzrange(starts_at, ends_at) WITH &&) "
            f"WHERE (status IN {_ACTIVE})"
        )
        return
    for event, not_self in (("INSERT", ""), ("UPDATE", " AND f.id != NEW.id")):
        op.execute(
            f"CREATE TRIGGER follow_ups_no_overlap_{event.lower()} BEFORE {event} ON follow_ups "
            f"WHEN NEW.status IN {_ACTIVE} BEGIN "
            "SELECT RAISE(ABORT, 'follow_up_overlap') WHERE EXISTS ("
            "SELECT 1 FROM follow_ups f WHERE f.rep_id = NEW.rep_id "
            f"AND f.status IN {_ACTIVE} AND f.starts_at < NEW.ends_at "
            f"AND NEW.starts_at < f.ends_at{not_self}); END"
        )


def _drop_follow_up_overlap_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE follow_ups DROP CONSTRAINT IF EXISTS ex_follow_ups_rep_overlap")
        return
    op.execute("DROP TRIGGER IF EXISTS follow_ups_no_overlap_insert")
    op.execute("DROP TRIGGER IF EXISTS follow_ups_no_overlap_update")
