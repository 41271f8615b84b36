"""Who a scheduled message is for: language, time zone, name, and where to reach them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from crm_store.models import Contact, Conversation, ConversationStatus, Rep
from crm_store.repositories.conversations import AddressKey
from crm_store.uow import UnitOfWork
from dialogs.core.content import LANGS


def language(value: str | None, settings: Any) -> str:
    return value if value in LANGS else settings.business.default_language


def rep_language(rep: Rep, settings: Any) -> str:
    """The first language the rep lists (Maya: zh), else the business's."""
    return next((lang for lang in rep.languages or () if lang in LANGS), None) or language(
        None, settings
    )


def zone_or(zone: str | None, fallback: str) -> str:
    if zone:
        try:
            ZoneInfo(zone)
            return zone
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return fallback


def customer_name(contact: Contact) -> str:
    return contact.name or contact.email or contact.phone or f"contact #{contact.id}"


def conversation_url(settings: Any, conversation_id: int) -> str:
    return f"{settings.server.public_url.rstrip('/')}/admin/conversations/{conversation_id}"


async def customer_conversation(uow: UnitOfWork, contact_id: int) -> Conversation | None:
    """Where to write to a customer: their most recently used open conversation, else a new
    one at the address they used last. None if they never wrote from any channel."""
    conversations = await uow.conversations.for_contact(contact_id)
    if not conversations:
        return None

    def recency(c: Conversation) -> tuple[float, int]:
        last = c.last_message_at or c.created_at
        return (last.timestamp() if last else 0.0, c.id)

    open_ones = [c for c in conversations if c.status != ConversationStatus.CLOSED.value]
    if open_ones:
        chosen = max(open_ones, key=recency)
        # Row lock: serialises our outbox write with a turn of the hub on this conversation.
        return await uow.conversations.get(chosen.id, for_update=True)
    latest = max(conversations, key=recency)
    reopened = await uow.conversations.open_or_create(
        AddressKey.of(latest), contact_id, language=latest.language
    )
    # The address may meanwhile belong to someone else's open conversation (a shared chat).
    return reopened if reopened.contact_id == contact_id else None


async def rep_by_id(uow: UnitOfWork, rep_id: int | None) -> Rep | None:
    if rep_id is None:
        return None
    return (await uow.session.scalars(select(Rep).where(Rep.id == rep_id))).first()
