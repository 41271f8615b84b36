"""The ``slack_cards`` rows: handoff and lead cards, who claimed them, where they were posted.

The claim is one conditional UPDATE (``... WHERE claimed_by_rep_id IS NULL``): on PostgreSQL
the second of two concurrent claims waits for the first's row lock, re-reads the row and
matches nothing; on SQLite writers are serialised. Either way exactly one rep wins, and the
loser learns it from the row count, not from a read that could be stale.

Statuses: ``open`` -> ``claimed`` -> ``resolved`` | ``handed_back`` (a handoff may also be
resolved or handed back while still open). A lead card stays ``claimed`` once claimed.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update

from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork

HANDOFF, LEAD = "handoff", "lead"
OPEN, CLAIMED, RESOLVED, HANDED_BACK = "open", "claimed", "resolved", "handed_back"
LIVE = (OPEN, CLAIMED)


class SlackCards:
    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.clock = uow.clock

    async def create(
        self, kind: str, *, conversation_id: int | None, lead_id: int | None
    ) -> SlackCard:
        now = self.clock.now()
        card = SlackCard(
            kind=kind,
            conversation_id=conversation_id,
            lead_id=lead_id,
            status=OPEN,
            announcements=1,
            created_at=now,
            updated_at=now,
        )
        self.session.add(card)
        await self.session.flush()
        return card

    async def get(self, card_id: int) -> SlackCard | None:
        return await self.session.get(SlackCard, card_id, populate_existing=True)

    async def by_message(self, channel: str, ts: str) -> SlackCard | None:
        stmt = select(SlackCard).where(SlackCard.channel == channel, SlackCard.ts == ts)
        return (await self.session.scalars(stmt)).first()

    async def live_handoff(self, conversation_id: int) -> SlackCard | None:
        stmt = (
            select(SlackCard)
            .where(
                SlackCard.kind == HANDOFF,
                SlackCard.conversation_id == conversation_id,
                SlackCard.status.in_(LIVE),
            )
            .order_by(SlackCard.id.desc())
        )
        return (await self.session.scalars(stmt)).first()

    async def for_lead(self, lead_id: int) -> SlackCard | None:
        stmt = select(SlackCard).where(SlackCard.kind == LEAD, SlackCard.lead_id == lead_id)
        return (await self.session.scalars(stmt.order_by(SlackCard.id))).first()

    async def live(self, kind: str = HANDOFF, limit: int = 50) -> list[SlackCard]:
        stmt = (
            select(SlackCard)
            .where(SlackCard.kind == kind, SlackCard.status.in_(LIVE))
            .order_by(SlackCard.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())

    async def unposted(self, limit: int = 50) -> list[SlackCard]:
        stmt = (
            select(SlackCard)
            .where(SlackCard.ts.is_(None), SlackCard.status.in_(LIVE))
            .order_by(SlackCard.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())

    async def mark_posted(self, card: SlackCard, channel: str, ts: str) -> None:
        card.channel, card.ts = channel, ts
        card.updated_at = self.clock.now()
        await self.session.flush()

    async def claim(self, card_id: int, rep_id: int) -> bool:
        """Make ``rep_id`` the owner if nobody is; True only for the one rep who did."""
        now = self.clock.now()
        stmt = (
            update(SlackCard)
            .where(
                SlackCard.id == card_id,
                SlackCard.claimed_by_rep_id.is_(None),
                SlackCard.status == OPEN,
            )
            .values(claimed_by_rep_id=rep_id, claimed_at=now, status=CLAIMED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]

    async def close(
        self,
        card_id: int,
        status: str,
        *,
        by_rep_id: int | None = None,
    ) -> bool:
        """Move a live card to ``status``; False if it was closed already (or, with
        ``by_rep_id``, claimed by another rep meanwhile)."""
        now = self.clock.now()
        stmt = update(SlackCard).where(SlackCard.id == card_id, SlackCard.status.in_(LIVE))
        if by_rep_id is not None:
            stmt = stmt.where(
                or_(SlackCard.claimed_by_rep_id.is_(None), SlackCard.claimed_by_rep_id == by_rep_id)
            )
        stmt = stmt.values(status=status, updated_at=now).execution_options(
            synchronize_session=False
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def task_prefix(contact_id: int, card_id: int) -> str:
    """The dedupe prefix of a card's timers (re-announce, escalate)."""
    return f"contact:{contact_id}:handoff:{card_id}:"
