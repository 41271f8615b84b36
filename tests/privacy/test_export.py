"""Export: everything created for one person through web chat, Telegram and Slack."""

from __future__ import annotations

import json

from bot.hub import ConversationHub
from bot.privacy.export import FORMAT, export_contact
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import AuditLog
from crm_store.uow import UnitOfWork
from tests.driver import RecordingAdapter
from tests.privacy.fake_slack import FakeSlack
from tests.privacy.support import (
    SLACK_USER,
    TELEGRAM_USER,
    WEBCHAT_VISITOR,
    contact_ids,
    jo_everywhere,
)


async def test_export_holds_everything_from_every_channel_in_one_document(
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
    slack: FakeSlack,
) -> None:
    jo = await jo_everywhere(hub, adapters, db, clock, slack)
    assert await contact_ids(db, clock) == [jo.contact_id], "one person, merged by e-mail"

    async with UnitOfWork(db, clock) as uow:
        document = await export_contact(uow, jo.contact_id, actor="cli")
    json.dumps(document)  # plain JSON, nothing salesbot-specific

    assert document["format"] == FORMAT
    contact = document["contact"]
    assert (contact["name"], contact["email"], contact["phone"]) == (
        "Jo Miller",
        "jo@acme-rooms.com",
        "+16175550100",
    )
    assert {(i["channel"], i["external_id"]) for i in document["identities"]} == {
        ("webchat", WEBCHAT_VISITOR),
        ("telegram", TELEGRAM_USER),
        ("slack", SLACK_USER),
    }
    conversations = document["conversations"]
    assert sorted(c["channel"] for c in conversations) == ["slack", "telegram", "webchat"]
    said = [m["text"] for c in conversations for m in c["messages"] if m["direction"] == "in"]
    assert said.count("Jo Miller") == 3  # the name typed on each channel
    assert "Please call me on +1 617 555 0100, Jo Miller here" in said
    assert all(c["messages"] for c in conversations)
    assert sorted({c["channel"] for c in document["consents"]}) == [
        "slack",
        "telegram",
        "webchat",
    ]
    # Consent keeps the purpose, the exact wording shown, the channel and the time.
    wording = hub.services.content.lead_form.consent.text.get("en")
    assert {(c["purpose"], c["text_shown"], c["granted"]) for c in document["consents"]} == {
        ("sales_contact", wording, True)
    }
    assert all(c["at"] for c in document["consents"])
    (lead,) = document["leads"]  # one open lead per person: enriched, not duplicated
    assert [t["to_status"] for t in lead["transitions"]] == ["new", "qualified"]
    assert lead["answers"]["email"] == "jo@acme-rooms.com"
    assert [f["id"] for f in document["follow_ups"]] == [jo.follow_up_id]
    (survey,) = document["surveys"]
    assert {r["kind"]: r["score"] for r in survey["responses"]} == {
        "csat": 5,
        "nps": 9,
        "comment": None,
    }
    assert "loved it" in next(r["comment"] for r in survey["responses"] if r["kind"] == "comment")
    assert {e["kind"] for e in document["emails"]} == {"confirmation", "reminder"}
    assert [m["kind"] for m in document["staff_messages"]] == ["reminder"]
    assert {c["kind"] for c in document["slack_cards"]} == {"lead", "handoff"}
    assert any(a["action"] == "lead.captured" for a in document["audit"])

    async with UnitOfWork(db, clock) as uow:
        audit = (await uow.audit.recent(1))[0]
    assert isinstance(audit, AuditLog)
    assert (audit.actor, audit.action, audit.target_id) == (
        "cli",
        "contact.export",
        str(jo.contact_id),
    )
