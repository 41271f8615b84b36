"""One person ("Jo Miller") talking to salesbot on web chat, Telegram and Slack, with
everything a real deployment would add around them: a qualified lead card and a handoff
thread in Slack, a follow-up with reminders, a survey, e-mails and staff messages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import JSON, String, Text, select

from bot.hub import ConversationHub
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Base, Contact
from crm_store.models.ops import EmailMessage, StaffMessage
from crm_store.uow import UnitOfWork
from dialogs.flows.booking.records import schedule_reminders
from tests.driver import Chat, RecordingAdapter
from tests.privacy.fake_slack import FakeSlack

SALES = "C0SALES"
REP_DM = "D0REPDM"

JO = {
    "name": "Jo Miller",
    "email": "Jo@Acme-Rooms.com",
    "phone": "+1 617 555 0100",
    "company": "Acme Rooms Ltd",
    "rooms": "25 rooms",
    "product_interest": "lead:choice:bar",
    "timeline": "within a month",
    "budget": "$30k",
}
# How each channel knows Jo.
WEBCHAT_VISITOR = "v_JoVisitor8812x"
TELEGRAM_USER = "735009921"
SLACK_USER = "U07JOMILLER"
SLACK_DM = "D07JOMILLER"
# Every identifier that must be gone after an erasure (compared case-insensitively).
IDENTIFIERS = (
    "Jo Miller",
    "jo@acme-rooms.com",
    "6175550100",
    "617 555 0100",
    "Acme Rooms",
    WEBCHAT_VISITOR,
    TELEGRAM_USER,
    SLACK_USER,
    SLACK_DM,
)


async def fill_lead_form(chat: Chat, answers: dict[str, str] = JO) -> None:
    await chat.say("I want a quote")
    for value in answers.values():
        await (chat.click(value) if value.startswith("lead:") else chat.say(value))
    await chat.click("lead:consent:yes")


@dataclass
class Jo:
    contact_id: int
    chats: dict[str, Chat]
    follow_up_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


async def jo_everywhere(
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
    slack: FakeSlack,
) -> Jo:
    """Jo on three channels (merged by e-mail), a handoff with a rep, a survey, a follow-up
    with reminders, a confirmation e-mail and a reminder to the rep in Slack."""
    chats = {
        "webchat": Chat(hub, adapters["webchat"], chat_id=WEBCHAT_VISITOR, user_id=WEBCHAT_VISITOR),
        "telegram": Chat(
            hub,
            adapters["telegram"],
            chat_id=TELEGRAM_USER,
            user_id=TELEGRAM_USER,
            display_name="Jo Miller",
        ),
        "slack": Chat(
            hub, adapters["slack"], chat_id=SLACK_DM, user_id=SLACK_USER, display_name="Jo Miller"
        ),
    }
    for chat in chats.values():
        await fill_lead_form(chat)
        clock.advance(minutes=5)
    web_conversation = chats["webchat"].receipts[-1].conversation_id
    assert web_conversation is not None
    # The survey first: once the handoff starts, the customer's words go to the rep.
    await hub.trigger(web_conversation, "survey", trigger="handoff", trigger_ref="card:1")
    for answer in ("5", "9", "Jo Miller here, loved it, mail jo@acme-rooms.com"):
        await chats["webchat"].say(answer)
    telegram = chats["telegram"]
    await telegram.say("I want to talk to a human")
    await telegram.say("Please call me on +1 617 555 0100, Jo Miller here")
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(telegram.receipts[-1].conversation_id or 0)
        contact_id = conversation.contact_id
        assert conversation.slack_thread_ts, "the desk stub opened a thread"
        slack.post(
            SALES, "On it, calling Jo now", thread_ts=conversation.slack_thread_ts, user="U0REP"
        )
        lead = await uow.leads.open_for_contact(contact_id)
        assert lead is not None
        rep = (await uow.reps.list(active_only=True))[0]
        start = clock.now() + timedelta(days=2)
        follow_up = await uow.follow_ups.book(
            lead_id=lead.id,
            rep_id=rep.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            customer_timezone="America/New_York",
        )
        await schedule_reminders(uow, contact_id, follow_up, (1440, 60), clock.now())
        await uow.tasks.schedule(
            "survey.dispatch",
            start + timedelta(hours=2),
            {"conversation_id": web_conversation, "trigger": "followup", "trigger_ref": "f1"},
            dedupe_key=f"contact:{contact_id}:survey:followup:f1",
        )
        now = clock.now()
        for state in ("delivered", "pending"):
            uow.session.add(
                EmailMessage(
                    contact_id=contact_id,
                    to_address="jo@acme-rooms.com",
                    subject="Your call with Auralis, Jo Miller",
                    body_text="Hi Jo Miller, see you soon. We will call +16175550100.",
                    ics="ATTENDEE;CN=Jo Miller:mailto:jo@acme-rooms.com",
                    kind="confirmation" if state == "delivered" else "reminder",
                    state=state,
                    created_at=now,
                    sent_at=now if state == "delivered" else None,
                )
            )
        ts = slack.post(REP_DM, "Reminder: call Jo Miller (jo@acme-rooms.com) tomorrow")
        uow.session.add(
            StaffMessage(
                target="rep",
                rep_id=rep.id,
                kind="reminder",
                text="Reminder: call Jo Miller (jo@acme-rooms.com) tomorrow",
                content={"conversation_id": conversation.id, "fields": ["+16175550100"]},
                ref=f"follow_up:{follow_up.id}",
                state="delivered",
                platform_ref=f"{REP_DM}:{ts}",
                created_at=now,
                delivered_at=now,
            )
        )
    return Jo(contact_id, chats, follow_up.id)


async def contact_ids(db: Database, clock: FakeClock) -> list[int]:
    async with UnitOfWork(db, clock) as uow:
        return list((await uow.session.scalars(select(Contact.id).order_by(Contact.id))).all())


async def find_identifiers(
    db: Database, needles: tuple[str, ...] = IDENTIFIERS
) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a text or JSON column still holds a needle."""
    found: list[tuple[str, str, str]] = []
    lowered = [n.lower() for n in needles]
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [
                c for c in table.columns if isinstance(c.type, String | Text | JSON) or _is_json(c)
            ]
            if not columns:
                continue
            rows = (await conn.execute(select(*columns))).all()
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    text = text.lower()
                    found.extend(
                        (table.name, column.name, needle)
                        for needle, low in zip(needles, lowered, strict=True)
                        if low in text
                    )
    return found


def _is_json(column: Any) -> bool:
    impl = getattr(column.type, "impl", column.type)
    return isinstance(impl, JSON) or "JSON" in type(column.type).__name__.upper()
