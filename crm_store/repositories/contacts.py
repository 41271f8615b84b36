"""Contacts and their channel identities, including merging one person's identities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from crm_store.errors import IdentityTaken, NotFound, violated
from crm_store.models import (
    ChannelIdentity,
    Consent,
    Contact,
    Conversation,
    Lead,
    SurveyRequest,
)
from crm_store.repositories.base import Repository

# Built once: read on every message (#4; see conversations._OPEN_AT).
_BY_IDENTITY = (
    select(Contact)
    .join(ChannelIdentity)
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("external_id"),
    )
)

_EDITABLE = {"name", "email", "phone", "company", "language", "timezone", "marketing_opt_out"}


class ContactRepository(Repository):
    async def get(self, contact_id: int) -> Contact:
        contact = await self.session.get(Contact, contact_id)
        if contact is None:
            raise NotFound(f"contact {contact_id} not found")
        return contact

    async def create(self, **fields: Any) -> Contact:
        unknown = set(fields) - _EDITABLE
        if unknown:
            raise TypeError(f"unknown contact fields: {sorted(unknown)}")
        now = self.clock.now()
        contact = Contact(created_at=now, updated_at=now, **fields)
        self.session.add(contact)
        await self.session.flush()
        return contact

    async def by_identity(self, channel: str, external_id: str) -> Contact | None:
        params = {"channel": channel, "external_id": external_id}
        return (await self.session.scalars(_BY_IDENTITY, params)).first()

    async def add_identity(
        self, contact: Contact, channel: str, external_id: str, display_name: str | None = None
    ) -> ChannelIdentity:
        identity = ChannelIdentity(
            contact_id=contact.id,
            channel=channel,
            external_id=external_id,
            display_name=display_name,
            created_at=self.clock.now(),
        )
        try:
            async with self.session.begin_nested():
                self.session.add(identity)
        except IntegrityError as exc:
            if violated(exc, "channel_identities", "uq_channel_identities"):
                raise IdentityTaken(channel, external_id) from None
            raise
        return identity

    async def get_or_create_for_identity(
        self,
        channel: str,
        external_id: str,
        *,
        display_name: str | None = None,
        language: str | None = None,
    ) -> Contact:
        """The contact behind a channel identity, created on first contact.

        Two first messages racing (two workers) both try to insert the identity; the loser
        hits the unique constraint inside a savepoint and takes the winner's contact.
        """
        found = await self.by_identity(channel, external_id)
        if found is not None:
            return found
        contact = await self.create(name=display_name, language=language)
        try:
            await self.add_identity(contact, channel, external_id, display_name)
        except IdentityTaken:
            await self.session.delete(contact)
            winner = await self.by_identity(channel, external_id)
            assert winner is not None
            return winner
        return contact

    async def identities(self, contact_id: int) -> list[ChannelIdentity]:
        stmt = select(ChannelIdentity).where(ChannelIdentity.contact_id == contact_id)
        return list((await self.session.scalars(stmt)).all())

    async def find_match(
        self, *, email: str | None = None, phone: str | None = None, exclude_id: int | None = None
    ) -> Contact | None:
        """An existing contact with the same e-mail (case-insensitive) or phone number."""
        conditions = []
        if email:
            conditions.append(Contact.email == email.lower())
        if phone:
            conditions.append(Contact.phone == phone)
        if not conditions:
            return None
        stmt = select(Contact).where(or_(*conditions)).order_by(Contact.id)
        if exclude_id is not None:
            stmt = stmt.where(Contact.id != exclude_id)
        return (await self.session.scalars(stmt)).first()

    async def update(self, contact: Contact, **fields: Any) -> Contact:
        """Set fields; when e-mail or phone now match another contact, merge into the older.

        Returns the contact that survives (the caller must use it from then on).
        """
        unknown = set(fields) - _EDITABLE
        if unknown:
            raise TypeError(f"unknown contact fields: {sorted(unknown)}")
        if fields.get("email"):
            fields["email"] = fields["email"].lower()
        for key, value in fields.items():
            setattr(contact, key, value)
        contact.updated_at = self.clock.now()
        await self.session.flush()
        if "email" in fields or "phone" in fields:
            other = await self.find_match(
                email=contact.email, phone=contact.phone, exclude_id=contact.id
            )
            if other is not None:
                keep, drop = (other, contact) if other.id < contact.id else (contact, other)
                return await self.merge(keep, drop)
        return contact

    async def merge(self, keep: Contact, drop: Contact) -> Contact:
        """Move everything of ``drop`` onto ``keep`` and delete ``drop``.

        Fields ``keep`` lacks are taken from ``drop``; ``keep``'s own values win.
        """
        if keep.id == drop.id:
            return keep
        for key in _EDITABLE - {"marketing_opt_out"}:
            if getattr(keep, key) in (None, "") and getattr(drop, key) not in (None, ""):
                setattr(keep, key, getattr(drop, key))
        keep.marketing_opt_out = keep.marketing_opt_out or drop.marketing_opt_out
        for model in (ChannelIdentity, Lead, Conversation, SurveyRequest, Consent):
            await self.session.execute(
                update(model).where(model.contact_id == drop.id).values(contact_id=keep.id)
            )
        await self.session.delete(drop)
        keep.updated_at = self.clock.now()
        await self.session.flush()
        self.session.expire(keep, ["identities"])
        return keep

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count(Contact.id))) or 0)

    async def search(self, query: str, limit: int = 20) -> list[Contact]:
        like = f"%{query.strip().lower()}%"
        stmt = (
            select(Contact)
            .where(
                or_(
                    Contact.email.ilike(like),
                    Contact.phone.ilike(like),
                    Contact.name.ilike(like),
                    Contact.company.ilike(like),
                )
            )
            .order_by(Contact.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())
