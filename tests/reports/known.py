"""A small store whose every KPI and survey number was worked out by hand.

Written through the real repositories with a fake clock. The period is February 2026 in
the business time zone (America/New_York): ``--since 2026-02-02 --until 2026-03-02``. Every
event of the period lies well inside it; a few lie before it, to prove they are left out.

Expected numbers (and how they come about) are in ``EXPECTED`` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ConversationStatus, Role
from crm_store.models.ops import SlackCard
from crm_store.repositories.conversations import AddressKey
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, inbound_fields
from dialogs.core.types import ChannelAddress, InboundMessage

SINCE, UNTIL, TZ = "2026-02-02", "2026-03-02", "America/New_York"
DAY0 = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)  # Tuesday, ISO week 6
BEFORE = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)  # outside the period


@dataclass
class Known:
    rep1: int = 0
    rep2: int = 0
    conversations: list[int] = field(default_factory=list)
    leads: dict[str, int] = field(default_factory=dict)


# CSAT [5,5,4,4,3,2,5,4]: average 32/8 = 4.0, satisfied (4-5) 6/8 = 75%.
# NPS [10,9,9,10,8,6,3,0]: promoters 4, passives 1, detractors 3 -> (4-3)/8 = 12.5.
# Ten surveys sent, eight answered: 80%. Three comments.
SURVEYS = [
    # (conversation index, channel, rep, trigger, csat, nps, comment)
    (0, "webchat", 1, "handoff", 5, 10, "Great help"),
    (1, "webchat", 1, "handoff", 5, 9, None),
    (2, "webchat", 1, "followup", 4, 9, None),
    (3, "webchat", 2, "handoff", 4, 10, None),
    (4, "telegram", 2, "handoff", 3, 8, None),
    (5, "telegram", 2, "followup", 2, 6, "=slow answer"),
    (6, "telegram", 2, "handoff", 5, 3, None),
    (7, "webchat", 1, "followup", 4, 0, "太慢了"),
    (8, "webchat", 1, "handoff", None, None, None),  # sent, never answered
    (9, "telegram", 2, "handoff", None, None, None),
]

EXPECTED = {
    "surveys": {"sent": 10, "answered": 8, "response_rate": 80.0, "comments": 3},
    "csat": {"responses": 8, "average": 4.0, "satisfied_pct": 75.0},
    "nps": {"responses": 8, "promoters": 4, "passives": 1, "detractors": 3, "score": 12.5},
    # webchat: CSAT 5,5,4,4,4 = 4.4; NPS 10,9,9,10,0 -> (4-1)/5 = 60; 5 of 6 answered.
    "webchat": {"sent": 6, "answered": 5, "csat": 4.4, "nps": 60.0},
    # telegram: CSAT 3,2,5 = 3.33; NPS 8,6,3 -> (0-2)/3 = -66.7; 3 of 4 answered.
    "telegram": {"sent": 4, "answered": 3, "csat": 3.33, "nps": -66.7},
    # 8 contacts start 10 conversations in the period; leads L1-L7 are created in it.
    # Reached: L1 won, L2 meeting->lost, L3 won, L4 meeting (skipped qualified), L5 lost
    # from new, L6 new, L7 qualified. Qualified-or-later 5, meeting-or-later 4, won 2.
    "funnel": [
        ("lead", 7, 87.5, 1),
        ("qualified", 5, 71.4, 0),
        ("meeting_booked", 4, 80.0, 1),
        ("won", 2, 50.0, 0),
    ],
    "visitors": 8,
    "lead_to_won_pct": 28.6,
    # Bot first reply, seconds: [1,1,1,2,2,2,3,3,4,30]: median 2, p90 (9th) 4, mean 4.9.
    "bot_first_reply": (10, 2.0, 4.0, 4.9),
    # First human response after a handoff request, minutes: [2,4,6,8], one unanswered.
    "human_first_response": (4, 5.0, 8.0, 5.0, 1),
    # Claim minutes [1..9, 30]: median 5.5, p90 (9th) 9, mean 7.5; one unclaimed card.
    "claim": (10, 5.5, 9.0, 7.5, 1),
    # Follow-ups starting in the period: 3 done, 1 no-show, 1 cancelled, 1 without outcome.
    "follow_ups": {
        "scheduled": 6,
        "held": 3,
        "no_show": 1,
        "cancelled": 1,
        "upcoming": 0,
        "awaiting_outcome": 1,
        "show_rate_pct": 75.0,
    },
    # Won L1 after 10 days, L3 after 4: median 7, p90 10, mean 7.
    "sales_cycle": (2, 7.0, 10.0, 7.0),
    # Open now: L0 qualified 400 (created before), L4 meeting 3000, L6 new 700, L7 qualified 250.
    "pipeline": {
        "open_leads": 4,
        "value": 4350.0,
        "by_stage": {"new": 700.0, "qualified": 650.0, "meeting_booked": 3000.0},
        "won_leads": 2,
        "won_value": 1500.0,
    },
}

BOT_DELAYS = [1, 1, 1, 2, 2, 2, 3, 3, 4, 30]  # seconds, conversation by conversation
HUMAN_DELAYS = [2, 4, 6, 8, None]  # minutes after the handoff request (None: no rep reply)
CLAIMS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30, None]  # minutes to claim (None: unclaimed)


async def seed_known(db: Database) -> Known:
    clock = FakeClock(BEFORE)
    k = Known()
    async with UnitOfWork(db, clock) as uow:
        ann = await uow.reps.upsert(name="Ann Rep", email="ann@auralis.example", timezone="UTC")
        bob = await uow.reps.upsert(name="Bob Rep", email="bob@auralis.example", timezone="UTC")
        k.rep1, k.rep2 = ann.id, bob.id
        reps = {1: ann.id, 2: bob.id}

        # Before the period: a visitor, an open qualified lead, a survey, a claimed card.
        old = await uow.contacts.get_or_create_for_identity("webchat", "old", language="en")
        old_conv = await uow.conversations.open_or_create(AddressKey("webchat", "old"), old.id)
        l0 = await uow.leads.create(old.id, source_channel="webchat", estimated_value=400)
        await uow.leads.transition(l0, "qualified")
        k.leads["L0"] = l0.id
        req, _ = await uow.surveys.request(
            contact_id=old.id, channel="webchat", trigger="handoff", trigger_ref="old"
        )
        req.sent_at = clock.now()
        await uow.surveys.respond(req, "csat", score=1)
        uow.session.add(_card(old_conv.id, clock.now(), 99, ann.id))

        # Eight contacts, ten conversations (contacts 0 and 1 come back a second time).
        contacts = []
        for i in range(8):
            channel = "telegram" if i in (4, 5, 6) else "webchat"
            lang = "zh" if i == 7 else "en"
            c = await uow.contacts.get_or_create_for_identity(channel, f"c{i}", language=lang)
            contacts.append((c.id, channel, lang))
        owners = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]
        for n, who in enumerate(owners):
            contact_id, channel, lang = contacts[who]
            if n == 9:
                channel = "telegram"  # contact 1 comes back on Telegram
            clock.set(DAY0 + timedelta(days=2 * n, minutes=n))
            address = ChannelAddress(channel, f"c{who}", thread_id=str(n))
            conv = await uow.conversations.open_or_create(
                address_key(address), contact_id, language=lang
            )
            await uow.messages.add_inbound(
                conv,
                **inbound_fields(InboundMessage(address, f"c{who}", "hello", message_id=f"m{n}")),
            )
            clock.advance(seconds=BOT_DELAYS[n])
            await uow.messages.add_outbound(conv, "Hi!")
            k.conversations.append(conv.id)
            if n < len(HUMAN_DELAYS):
                clock.advance(minutes=1)
                await uow.conversations.set_status(
                    conv, ConversationStatus.HANDOFF, assigned_rep_id=reps[1 + n % 2]
                )
                if HUMAN_DELAYS[n] is not None:
                    clock.advance(minutes=HUMAN_DELAYS[n])
                    await uow.messages.add_outbound(conv, "Rep here", role=Role.AGENT)
        for n, minutes in enumerate(CLAIMS):
            created = DAY0 + timedelta(days=n, hours=3)
            conv_id = k.conversations[n % len(k.conversations)]
            uow.session.add(_card(conv_id, created, minutes, reps[1 + n % 2]))

        # Surveys, answered in the period.
        for n, (conv_i, channel, rep, trigger, csat, nps, comment) in enumerate(SURVEYS):
            clock.set(DAY0 + timedelta(days=2 * conv_i, hours=5))
            conv = await uow.conversations.get(k.conversations[conv_i])
            req, _ = await uow.surveys.request(
                contact_id=conv.contact_id,
                channel=channel,
                trigger=trigger,
                trigger_ref=f"s{n}",
                conversation_id=conv.id,
                rep_id=reps[rep],
            )
            req.sent_at = clock.now()
            if csat is None:
                continue
            clock.advance(minutes=10)
            await uow.surveys.respond(req, "csat", score=csat)
            await uow.surveys.respond(req, "nps", score=nps)
            if comment:
                await uow.surveys.respond(req, "comment", comment=comment)
            await uow.surveys.complete(req)

        # Leads L1..L7, created on days 1..7 of the period.
        plans = {
            "L1": (1000, 1, [("qualified", 1), ("meeting_booked", 2), ("won", 10)]),
            "L2": (2000, 2, [("qualified", 1), ("meeting_booked", 2), ("lost", 5)]),
            "L3": (500, 1, [("qualified", 1), ("meeting_booked", 2), ("won", 4)]),
            "L4": (3000, 2, [("meeting_booked", 1)]),
            "L5": (100, 1, [("lost", 1)]),
            "L6": (700, 2, []),
            "L7": (250, 1, [("qualified", 2)]),
        }
        for day, (name, (value, rep, steps)) in enumerate(plans.items(), start=1):
            created = DAY0 + timedelta(days=day)
            clock.set(created)
            contact_id, channel, _ = contacts[day % 8]
            lead = await uow.leads.create(
                contact_id,
                source_channel=channel,
                estimated_value=value,
                campaign="spring" if day % 2 else None,
            )
            await uow.leads.update(lead, owner_rep_id=reps[rep])
            for status, after_days in steps:
                clock.set(created + timedelta(days=after_days))
                await uow.leads.transition(lead, status)
            k.leads[name] = lead.id

        # Follow-ups starting in the period: done x3, no-show, cancelled, no outcome yet.
        outcomes = ["done", "done", "done", "no_show", "cancelled", None]
        for n, outcome in enumerate(outcomes):
            clock.set(DAY0 + timedelta(days=n))
            start = DAY0 + timedelta(days=n + 1, hours=2)
            f = await uow.follow_ups.book(
                lead_id=k.leads["L1"],
                rep_id=reps[1 + n % 2],
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                customer_timezone="UTC",
            )
            if outcome:
                clock.set(start + timedelta(minutes=45))
                await uow.follow_ups.set_status(f, outcome)
        # An unanswered question in each language, and two near-duplicates in English.
        clock.set(DAY0 + timedelta(days=3))
        for text, lang in (
            ("Do you ship to Brazil?", "en"),
            ("do you ship to brazil", "en"),
            ("Is there a student discount?", "en"),
            ("可以寄到巴西吗", "zh"),
        ):
            await uow.unanswered.record(
                conversation_id=k.conversations[0], text=text, language=lang
            )
    return k


def _card(conversation_id: int, created: datetime, minutes: int | None, rep: int) -> SlackCard:
    claimed = None if minutes is None else created + timedelta(minutes=minutes)
    return SlackCard(
        kind="handoff",
        conversation_id=conversation_id,
        status="open" if claimed is None else "claimed",
        claimed_by_rep_id=None if claimed is None else rep,
        claimed_at=claimed,
        created_at=created,
        updated_at=created,
    )
