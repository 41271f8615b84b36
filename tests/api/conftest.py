"""The CRM API over a seeded store (SQLite and PostgreSQL), called in-process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

import crm_store.models.api  # noqa: F401 - registers the tables (truncated between tests)
from bot.api import create_api_router
from bot.runtime import Runtime
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ConversationStatus
from crm_store.repositories.api_tokens import ApiTokenRepository
from crm_store.repositories.conversations import AddressKey
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.core.transcript import inbound_fields, reply_fields
from dialogs.core.types import Button, ChannelAddress, InboundMessage, Reply


@dataclass
class Seed:
    """Ids of what ``seed`` created, and a token per role."""

    rep1: int = 0
    rep2: int = 0
    contacts: dict[str, int] = field(default_factory=dict)
    leads: dict[str, int] = field(default_factory=dict)
    conversations: dict[str, int] = field(default_factory=dict)
    follow_ups: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)


async def seed(db: Database, clock: FakeClock) -> Seed:
    """Two reps, three contacts, three leads, three conversations, follow-ups, surveys.

    rep1 owns lead "alice" (new, webchat); rep2 owns lead "carl" (qualified, telegram) and is
    assigned Dana's conversation (no lead); lead "alice2" has no owner and is lost.
    """
    s = Seed()
    start = clock.now()
    async with UnitOfWork(db, clock) as uow:
        rep1 = await uow.reps.upsert(name="Ann Rep", email="ann@auralis.example", timezone="UTC")
        rep2 = await uow.reps.upsert(name="Bob Rep", email="bob@auralis.example", timezone="UTC")
        s.rep1, s.rep2 = rep1.id, rep2.id
        people = {
            "alice": ("webchat", "v-1"),
            "carl": ("telegram", "42"),
            "dana": ("webchat", "v-3"),
        }
        for name, (channel, external) in people.items():
            contact = await uow.contacts.get_or_create_for_identity(
                channel, external, display_name=name.title()
            )
            await uow.contacts.update(contact, email=f"{name}@customer.example")
            s.contacts[name] = contact.id
        alice = await uow.leads.create(s.contacts["alice"], source_channel="webchat", score=40)
        alice.owner_rep_id = rep1.id
        s.leads["alice"] = alice.id
    clock.advance(days=1)
    async with UnitOfWork(db, clock) as uow:
        carl = await uow.leads.create(s.contacts["carl"], source_channel="telegram", score=80)
        carl.owner_rep_id = rep2.id
        await uow.leads.transition(carl, "qualified")
        s.leads["carl"] = carl.id
    clock.advance(days=1)
    async with UnitOfWork(db, clock) as uow:
        lost = await uow.leads.create(s.contacts["alice"], source_channel="webchat")
        await uow.leads.transition(lost, "lost")
        s.leads["alice2"] = lost.id
        for name, assigned in (("alice", None), ("carl", rep2.id), ("dana", rep2.id)):
            channel, external = people[name]
            conv = await uow.conversations.open_or_create(
                AddressKey(channel, external), s.contacts[name]
            )
            if assigned:
                await uow.conversations.set_status(
                    conv, ConversationStatus.HANDOFF, assigned_rep_id=assigned
                )
            s.conversations[name] = conv.id
        conv = await uow.conversations.get(s.conversations["alice"])
        inbound = InboundMessage(
            ChannelAddress("webchat", "v-1"), "v-1", "how much is the Cam 4K?", message_id="m1"
        )
        await uow.messages.add_inbound(conv, **inbound_fields(inbound), intent="product_question")
        await uow.messages.add_outbound(
            conv,
            **reply_fields(
                Reply("The Cam 4K is $899.", buttons=(Button("Talk to sales", "lead:start"),))
            ),
        )
        slot = start + timedelta(days=3)
        for name, rep in (("alice", rep1.id), ("carl", rep2.id)):
            f = await uow.follow_ups.book(
                lead_id=s.leads[name],
                rep_id=rep,
                starts_at=slot,
                ends_at=slot + timedelta(minutes=30),
                customer_timezone="UTC",
            )
            s.follow_ups[name] = f.id
            slot += timedelta(days=1)
        answers = {"alice": (rep1.id, 5, 9, "great"), "carl": (rep2.id, 2, 3, None)}
        for name, (rep, csat, nps, comment) in answers.items():
            request, _ = await uow.surveys.request(
                contact_id=s.contacts[name],
                channel=people[name][0],
                trigger="handoff",
                trigger_ref=name,
                conversation_id=s.conversations[name],
                rep_id=rep,
            )
            request.sent_at = clock.now()
            await uow.surveys.respond(request, "csat", score=csat)
            await uow.surveys.respond(request, "nps", score=nps)
            if comment:
                await uow.surveys.respond(request, "comment", comment=comment)
            await uow.surveys.complete(request)
        unanswered, _ = await uow.surveys.request(
            contact_id=s.contacts["dana"],
            channel="webchat",
            trigger="handoff",
            trigger_ref="d",
            rep_id=rep2.id,
        )
        unanswered.sent_at = clock.now()
        tokens = ApiTokenRepository(uow.session, clock)
        for name, role, rep in (
            ("manager", "manager", None),
            ("admin", "admin", None),
            ("rep1", "rep", rep1.id),
            ("rep2", "rep", rep2.id),
            ("revoked", "manager", None),
        ):
            row, token = await tokens.create(role, rep_id=rep, name=name)
            s.tokens[name], s.token_ids[name] = token, row.id
        await tokens.revoke(s.token_ids["revoked"])
    return s


@dataclass
class Api:
    http: httpx.AsyncClient
    seed: Seed
    db: Database
    clock: FakeClock

    async def get(self, path: str, who: str = "manager", **params: object) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.auth(who))

    async def patch(self, path: str, body: object, who: str = "manager") -> httpx.Response:
        return await self.http.patch(path, json=body, headers=self.auth(who))

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seed.tokens[who]}"} if who else {}


def api_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.include_router(create_api_router(runtime))
    return app


@pytest.fixture
async def api(
    db: Database, clock: FakeClock, settings: Settings, content: Content
) -> AsyncIterator[Api]:
    data = await seed(db, clock)
    runtime = Runtime(settings, content, db, clock)
    transport = httpx.ASGITransport(app=api_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield Api(http, data, db, clock)
