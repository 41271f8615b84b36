"""What a handoff or lead card shows, read from the store (``load``) and drawn (``render``).

A card tells a rep, at a glance: who the customer is, on which channel and in which
language, the lead and its score, what they asked and the last messages of the transcript;
then the buttons that fit the card's state. Everything the customer typed is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from bot.desk.slack.cards import CLAIMED, HANDED_BACK, HANDOFF, OPEN, RESOLVED
from channels.slack import blocks as bk
from channels.slack.escape import escape_text
from crm_store.models import ChannelIdentity, Contact, Lead
from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork

TRANSCRIPT_MESSAGES = 8
TRANSCRIPT_CHARS = 300
CHANNELS = {"webchat": "Web chat", "telegram": "Telegram", "slack": "Slack", "console": "Console"}
LANGUAGES = {"en": "English", "zh": "Chinese"}
REASONS = {
    "customer_request": "asked for a person",
    "fallbacks": "the bot could not answer several times",
    "lead_qualified": "qualified lead",
}
ROLES = {"customer": "Customer", "bot": "Bot", "agent": "Rep"}


@dataclass(frozen=True, slots=True)
class CardView:
    card_id: int
    kind: str
    status: str
    customer: str
    details: tuple[str, ...]  # e-mail, phone, company
    channel: str
    language: str
    lead: str | None
    asked: str
    reason: str
    transcript: tuple[tuple[str, str], ...]  # (role, text)
    owner_slack_id: str | None = None
    owner_name: str | None = None
    closed_by_slack_id: str | None = None  # who resolved or handed back


def lead_summary(lead: Lead) -> str:
    parts = [f"#{lead.id} {lead.status}", f"score {lead.score}"]
    if lead.product_interest:
        parts.append(lead.product_interest)
    if lead.estimated_value is not None:
        parts.append(f"${lead.estimated_value:,.0f}")
    return " · ".join(parts)


def _clip(text: str, limit: int = TRANSCRIPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def customer_name(uow: UnitOfWork, contact: Contact) -> str:
    return (await customer_names(uow, [contact]))[contact.id]


async def customer_names(uow: UnitOfWork, contacts: Iterable[Contact]) -> dict[int, str]:
    """Contact id -> how Slack shows the customer: their name, else a platform display name,
    else "Contact #id". One read of identities for all the unnamed (lists of customers)."""
    contacts = list(contacts)
    names = {c.id: c.name for c in contacts if c.name}
    unnamed = [c.id for c in contacts if not c.name]
    if unnamed:
        identities = await uow.session.scalars(
            select(ChannelIdentity)
            .where(ChannelIdentity.contact_id.in_(unnamed))
            .order_by(ChannelIdentity.id)
        )
        for identity in identities:
            if identity.display_name:
                names.setdefault(identity.contact_id, identity.display_name)
    return {c.id: names.get(c.id) or f"Contact #{c.id}" for c in contacts}


async def load(uow: UnitOfWork, card: SlackCard, *, asked: str = "", reason: str = "") -> CardView:
    conversation = (
        await uow.conversations.get(card.conversation_id) if card.conversation_id else None
    )
    lead = await uow.leads.get(card.lead_id) if card.lead_id else None
    contact_id = conversation.contact_id if conversation else lead.contact_id if lead else None
    contact = await uow.contacts.get(contact_id) if contact_id else None
    if lead is None and contact is not None:
        lead = await uow.leads.open_for_contact(contact.id)
    transcript: list[tuple[str, str]] = []
    if conversation is not None:
        # The tail only: a card is drawn on every claim and redraw, and a conversation can be
        # long (#4 removed the same growth from the turn's path).
        spoken = await uow.messages.latest_where(
            conversation.id, lambda m: bool(m.text.strip()), TRANSCRIPT_MESSAGES
        )
        transcript = [(m.role, _clip(m.text)) for m in spoken]
        if not asked:
            asked = next((m.text for m in reversed(spoken) if m.role == "customer"), "")
        if not asked:  # the customer last spoke before the tail
            said = await uow.messages.latest_where(
                conversation.id, lambda m: m.role == "customer" and bool(m.text.strip()), 1
            )
            asked = said[0].text if said else ""
    owner = await uow.reps.get(card.claimed_by_rep_id) if card.claimed_by_rep_id else None
    channel = conversation.channel if conversation else lead.source_channel if lead else ""
    language = (conversation.language if conversation else None) or (
        contact.language if contact else None
    )
    return CardView(
        card_id=card.id,
        kind=card.kind,
        status=card.status,
        customer=await customer_name(uow, contact) if contact else "Unknown customer",
        details=tuple(v for v in (contact.email, contact.phone, contact.company) if v)
        if contact
        else (),
        channel=CHANNELS.get(channel, channel or "—"),
        language=LANGUAGES.get(language or "", language or "—"),
        lead=lead_summary(lead) if lead else None,
        asked=_clip(asked, 1000),
        reason=REASONS.get(reason, reason),
        transcript=tuple(transcript),
        owner_slack_id=owner.slack_user_id if owner else None,
        owner_name=owner.name if owner else None,
    )


def _who(slack_id: str | None, name: str | None) -> str:
    return f"<@{slack_id}>" if slack_id else escape_text(name or "someone")


def buttons(view: CardView) -> list[bk.Block]:
    cid = view.card_id
    claim = bk.button("Claim", f"handoff:claim:{cid}", style="primary")
    if view.kind == HANDOFF:
        resolve = bk.button(
            "Resolve", f"handoff:resolve:{cid}", style="primary" if view.status == CLAIMED else None
        )
        back = bk.button("Hand back to bot", f"handoff:bot:{cid}")
        if view.status == OPEN:
            return [claim, resolve, back]
        if view.status == CLAIMED:
            return [resolve, back]
        return []
    book = bk.button("Book follow-up", f"handoff:book:{cid}")
    return [claim, book] if view.status == OPEN else [book]


def render(view: CardView) -> tuple[str, list[bk.Block]]:
    """A card -> (notification text, blocks); always a single message."""
    name = escape_text(view.customer)
    title = "Handoff" if view.kind == HANDOFF else "Qualified lead"
    text = f"{title}: {name} ({view.channel})"
    pairs = [
        ("Customer", "\n".join([name, *(escape_text(d) for d in view.details)])),
        ("Channel", f"{view.channel} · {view.language}"),
        ("Lead", escape_text(view.lead) if view.lead else "none yet"),
    ]
    if view.reason:
        pairs.append(("Why", escape_text(view.reason)))
    blocks: list[bk.Block] = [bk.header(f"{title} #{view.card_id}: {view.customer}")]
    blocks.extend(bk.fields(pairs))
    if view.asked:
        blocks.extend(bk.sections("*They asked*\n>" + escape_text(view.asked)))
    if view.transcript:
        lines = [
            f"*{ROLES.get(role, role)}:* {escape_text(text)}" for role, text in view.transcript
        ]
        blocks.extend(bk.sections("*Recent messages*\n" + "\n".join(lines)))
    blocks.append(bk.context(status_line(view)))
    blocks.extend(bk.actions(buttons(view), block_id=f"card-{view.card_id}"))
    return text, blocks[: bk.MAX_BLOCKS]


def status_line(view: CardView) -> str:
    owner = _who(view.owner_slack_id, view.owner_name)
    if view.status == OPEN:
        return "Unclaimed — the first rep to click *Claim* takes it."
    if view.status == CLAIMED:
        if view.kind == HANDOFF:
            return f"Claimed by {owner}. Replies in this thread go to the customer."
        return f"Claimed by {owner}."
    closer = _who(view.closed_by_slack_id, None) if view.closed_by_slack_id else owner
    if view.status == RESOLVED:
        return f"Resolved by {closer}. A satisfaction survey is on its way."
    if view.status == HANDED_BACK:
        return f"Handed back to the bot by {closer}."
    return f"Status: {escape_text(view.status)}"
