"""``salesbot demo seed``: eight weeks of a believable sales team, through the real repositories.

Contacts on every channel talk to the bot (transcripts with delivered replies), some ask
what the FAQ cannot answer, some ask for a human (handoff cards claimed in Slack, a rep's
reply), many leave a lead that moves through the pipeline; meetings are held or missed, and
surveys follow handoffs and meetings, answered in English or Chinese. Deterministic for a
seed and a ``now``; it runs once per store (an audit entry marks it) and, unless forced,
only on an empty store. No scheduled tasks and no undelivered replies are left behind, so a
``serve`` afterwards sends nothing to anyone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.demo import data as d
from bot.runtime import upsert_reps
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.errors import FollowUpOverlap
from crm_store.models import AuditLog, Contact, ConversationStatus, Rep, Role
from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, inbound_fields
from dialogs.core.types import ChannelAddress, InboundMessage

CHANNELS = (("webchat", 0.55), ("telegram", 0.3), ("slack", 0.15))
MARKER = "demo.seed"


class SeedRefused(RuntimeError):
    """The store already has the demo data (or other data, without ``force``)."""


@dataclass(frozen=True)
class DemoSummary:
    contacts: int
    leads: int
    follow_ups: int
    surveys_sent: int
    surveys_answered: int
    handoffs: int
    unanswered: int


class _Story:
    """One seeding run: the random source, the clock, and what was made."""

    def __init__(self, uow: UnitOfWork, clock: FakeClock, rng: random.Random, now: datetime):
        self.uow, self.clock, self.rng, self.now = uow, clock, rng, now
        self.counts = dict.fromkeys(DemoSummary.__dataclass_fields__, 0)
        self.msg = 0

    def at(self, when: datetime) -> bool:
        """Move the clock to ``when``; False when that is not in the past."""
        if when >= self.now:
            return False
        self.clock.set(when)
        return True

    async def say(self, conv: Any, address: ChannelAddress, user: str, text: str) -> None:
        self.msg += 1
        inbound = InboundMessage(address, user, text, message_id=f"demo-{self.msg}")
        await self.uow.messages.add_inbound(conv, **inbound_fields(inbound))

    async def reply(self, conv: Any, text: str, role: Role = Role.BOT) -> None:
        message = await self.uow.messages.add_outbound(conv, text, role=role)
        await self.uow.messages.mark_delivered(message, f"demo-out-{message.id}")


async def seed_demo(
    db: Database,
    *,
    now: datetime,
    content: Any,
    seed: int = 7,
    weeks: int = 8,
    per_week: int = 22,
    force: bool = False,
) -> DemoSummary:
    """Create the demo data in one transaction; ``SeedRefused`` if it must not run."""
    clock = FakeClock(now)
    rng = random.Random(seed)
    async with UnitOfWork(db, clock) as uow:
        if await uow.session.scalar(select(AuditLog.id).where(AuditLog.action == MARKER)):
            raise SeedRefused("the demo data is already in this store (demo seed runs once)")
        if not force and await uow.session.scalar(select(func.count(Contact.id))):
            raise SeedRefused("the store has contacts already; use --force to add demo data")
        reps = await _reps(uow, content)
        story = _Story(uow, clock, rng, now)
        start = now - timedelta(weeks=weeks)
        total = weeks * per_week
        for i in range(total):
            # Slightly more traffic in recent weeks, during the business day (UTC 13-22).
            frac = (i + rng.random()) / total
            day = start + timedelta(days=(frac**0.9) * weeks * 7)
            t0 = day.replace(hour=rng.randint(13, 21), minute=rng.randint(0, 59), second=0)
            if t0 < now - timedelta(hours=1):
                await _contact_story(story, i, t0, reps, content)
        clock.set(now)
        summary = DemoSummary(**story.counts)
        await uow.audit.log("cli", MARKER, detail={"seed": seed, "weeks": weeks, **story.counts})
    return summary


async def _reps(uow: UnitOfWork, content: Any) -> list[Rep]:
    reps = await uow.reps.list(active_only=True)
    if not reps:
        await upsert_reps(uow, content.reps)  # the same sync `serve` runs at start
        reps = await uow.reps.list(active_only=True)
    if not reps:
        raise SeedRefused("no sales reps: add some to config/reps.yaml first")
    return reps


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


async def _contact_story(s: _Story, i: int, t0: datetime, reps: list[Rep], content: Any) -> None:
    rng, uow = s.rng, s.uow
    channel = _pick(rng, CHANNELS)
    lang = "zh" if rng.random() < 0.3 else "en"
    if lang == "zh":
        name = rng.choice(d.NAMES_ZH)
    else:
        name = f"{rng.choice(d.FIRST_EN)} {rng.choice(d.LAST_EN)}"
    speakers = [r for r in reps if lang in (r.languages or ["en"])] or reps
    rep = rng.choice(speakers)
    user = f"demo-{channel}-{i}"
    address = ChannelAddress(channel, user)
    s.at(t0)
    contact = await uow.contacts.get_or_create_for_identity(
        channel, user, display_name=name, language=lang
    )
    s.counts["contacts"] += 1
    conv = await uow.conversations.open_or_create(address_key(address), contact.id, language=lang)
    question, answer = rng.choice(d.QUESTIONS[lang])
    await s.say(conv, address, user, question)
    s.at(t0 + timedelta(seconds=rng.uniform(0.4, 3.5)))
    await s.reply(conv, answer)
    if rng.random() < 0.3:
        family = rng.choice(d.UNANSWERED[lang])
        asked = rng.choice(family)
        s.at(t0 + timedelta(minutes=2))
        await s.say(conv, address, user, asked)
        await uow.unanswered.record(conversation_id=conv.id, text=asked, language=lang)
        s.at(t0 + timedelta(minutes=2, seconds=rng.uniform(0.5, 2.5)))
        await s.reply(conv, d.FALLBACK[lang])
        s.counts["unanswered"] += 1
    lead = None
    if rng.random() < 0.55 and s.at(t0 + timedelta(minutes=5)):
        lead = await _lead(s, contact, channel, name, i, rep, content)
    handed = rng.random() < (0.4 if lead else 0.2)
    end, answered = t0 + timedelta(minutes=20), False
    if handed and s.at(t0 + timedelta(minutes=8)):
        end, answered = await _handoff(s, conv, address, user, lang, rep)
    if s.at(end):
        await uow.conversations.set_status(conv, ConversationStatus.CLOSED)
        if answered:
            await _survey(s, contact.id, conv.id, channel, rep, lang, "handoff", f"conv-{conv.id}")
    if lead is not None:
        await _pipeline(s, lead, rep, contact.id, conv.id, channel, lang, t0)


async def _lead(
    s: _Story, contact: Any, channel: str, name: str, i: int, rep: Rep, content: Any
) -> Any:
    rng = s.rng
    product = rng.choice(content.catalog.products)
    rooms = rng.randint(2, 30)
    price = product.plans[-1].price * (12 if product.plans[-1].period == "month" else 1)
    email = f"demo.customer{i}@{rng.choice(('example.com', 'example.org', 'example.net'))}"
    contact = await s.uow.contacts.update(
        contact, email=email, company=rng.choice(d.COMPANIES), name=name
    )
    campaign = rng.choice(d.CAMPAIGNS) if channel == "webchat" else None
    if channel == "telegram" and rng.random() < 0.3:
        campaign = "telegram-channel"
    lead = await s.uow.leads.create(
        contact.id,
        source_channel=channel,
        campaign=campaign,
        product_interest=product.id,
        estimated_value=round(price * rooms, 2),
        score=rng.randint(20, 95),
        answers={"rooms": rooms},
    )
    await s.uow.leads.update(lead, owner_rep_id=rep.id)
    s.counts["leads"] += 1
    return lead


async def _handoff(
    s: _Story, conv: Any, address: ChannelAddress, user: str, lang: str, rep: Rep
) -> tuple[datetime, bool]:
    """A handoff request, its Slack card, the claim and the rep's first reply."""
    rng, uow = s.rng, s.uow
    requested = s.clock.now()
    await s.say(conv, address, user, d.HANDOFF_ASK[lang])
    await uow.conversations.set_status(conv, ConversationStatus.HANDOFF, assigned_rep_id=rep.id)
    s.counts["handoffs"] += 1
    claim = requested + timedelta(minutes=rng.lognormvariate(1.4, 0.8))
    claimed = rng.random() > 0.07 and claim < s.now
    card = SlackCard(
        kind="handoff",
        conversation_id=conv.id,
        channel="C0DEMOSALES",
        ts=f"{requested.timestamp():.6f}",
        status="claimed" if claimed else "open",
        claimed_by_rep_id=rep.id if claimed else None,
        claimed_at=claim if claimed else None,
        announcements=1 if claimed else 2,
        created_at=requested,
        updated_at=claim if claimed else requested,
    )
    uow.session.add(card)
    if not claimed:
        return requested + timedelta(hours=2), False
    answered = claim + timedelta(minutes=rng.uniform(0.3, 4))
    if not s.at(answered):
        return answered, False
    await s.reply(conv, d.AGENT_HELLO[lang].format(rep=rep.name.split()[0]), Role.AGENT)
    return answered + timedelta(minutes=rng.uniform(10, 40)), True


async def _pipeline(
    s: _Story,
    lead: Any,
    rep: Rep,
    contact_id: int,
    conv_id: int,
    channel: str,
    lang: str,
    t0: datetime,
) -> None:
    rng, uow = s.rng, s.uow
    if rng.random() < 0.15:
        if s.at(t0 + timedelta(hours=rng.uniform(2, 48))):
            await uow.leads.transition(lead, "lost", actor="demo")
        return
    if rng.random() > 0.7 or not s.at(t0 + timedelta(hours=rng.uniform(1, 48))):
        return
    await uow.leads.transition(lead, "qualified", actor="demo")
    if rng.random() < 0.2:
        if s.at(s.clock.now() + timedelta(days=rng.uniform(1, 10))):
            await uow.leads.transition(lead, "lost", actor="demo")
        return
    if rng.random() > 0.65 or not s.at(s.clock.now() + timedelta(hours=rng.uniform(4, 72))):
        return
    follow_up = await _book(s, lead.id, rep)
    await uow.leads.transition(lead, "meeting_booked", actor="demo")
    if not s.at(follow_up.ends_at + timedelta(minutes=5)):
        return  # still to come
    roll = rng.random()
    if roll < 0.08:
        return  # the rep has not said yet how it went
    if roll < 0.25:
        await uow.follow_ups.set_status(follow_up, "no_show")
        return
    await uow.follow_ups.set_status(follow_up, "done")
    await _survey(s, contact_id, conv_id, channel, rep, lang, "followup", f"fu-{follow_up.id}")
    outcome = rng.random()
    if outcome < 0.5 and s.at(follow_up.ends_at + timedelta(days=rng.uniform(1, 12))):
        await uow.leads.transition(lead, "won", actor="demo")
    elif outcome < 0.7 and s.at(follow_up.ends_at + timedelta(days=rng.uniform(1, 12))):
        await uow.leads.transition(lead, "lost", actor="demo")


async def _book(s: _Story, lead_id: int, rep: Rep) -> Any:
    day = s.clock.now() + timedelta(days=s.rng.randint(1, 6))
    starts = day.replace(hour=s.rng.randint(14, 20), minute=0, second=0, microsecond=0)
    for _ in range(48):  # the next free half hour of this rep
        try:
            follow_up = await s.uow.follow_ups.book(
                lead_id=lead_id,
                rep_id=rep.id,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=30),
                customer_timezone="UTC",
            )
            s.counts["follow_ups"] += 1
            return follow_up
        except FollowUpOverlap:
            starts += timedelta(minutes=30)
    raise RuntimeError("no free demo slot")  # pragma: no cover - 48 tries always suffice


async def _survey(
    s: _Story,
    contact_id: int,
    conv_id: int,
    channel: str,
    rep: Rep,
    lang: str,
    trigger: str,
    ref: str,
) -> None:
    rng, uow = s.rng, s.uow
    if not s.at(s.clock.now() + timedelta(minutes=30)):
        return
    request, _ = await uow.surveys.request(
        contact_id=contact_id,
        channel=channel,
        trigger=trigger,
        trigger_ref=ref,
        conversation_id=conv_id,
        rep_id=rep.id,
    )
    request.sent_at, request.status = s.clock.now(), "sent"
    s.counts["surveys_sent"] += 1
    if rng.random() > 0.62 or not s.at(s.clock.now() + timedelta(minutes=rng.uniform(1, 90))):
        return
    # Reps differ a little (by id), follow-up calls rate higher than chat handoffs.
    mood = rng.gauss(3.9 + 0.15 * (rep.id % 3) + (0.2 if trigger == "followup" else 0), 0.9)
    csat = max(1, min(5, round(mood)))
    nps = max(0, min(10, round(mood * 2.2 - 1 + rng.gauss(0, 1.2))))
    await uow.surveys.respond(request, "csat", score=csat)
    await uow.surveys.respond(request, "nps", score=nps)
    if rng.random() < 0.5:
        kind = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
        await uow.surveys.respond(request, "comment", comment=rng.choice(d.COMMENTS[lang][kind]))
    await uow.surveys.complete(request)
    s.counts["surveys_answered"] += 1
