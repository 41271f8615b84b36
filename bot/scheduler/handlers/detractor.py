"""Detractor alert: a CSAT of 2 or less or an NPS of 6 or less goes to the managers' channel
with the customer's comment and a link to the conversation.

Fed by the ``survey.completed`` business event (see ``bot.scheduler.events``); keyed by the
event id, so re-reading an event never alerts twice.
"""

from __future__ import annotations

from typing import Any

from bot.scheduler import texts
from bot.scheduler.people import conversation_url, customer_name, language
from bot.scheduler.produce import add_staff_message
from crm_store.models import Contact, DomainEvent
from crm_store.models.ops import StaffMessage
from crm_store.uow import UnitOfWork

CSAT_DETRACTOR = 2
NPS_DETRACTOR = 6


def is_detractor(data: dict[str, Any]) -> bool:
    csat, nps = data.get("csat"), data.get("nps")
    return (isinstance(csat, int) and csat <= CSAT_DETRACTOR) or (
        isinstance(nps, int) and nps <= NPS_DETRACTOR
    )


async def detractor_alert(
    uow: UnitOfWork, event: DomainEvent, *, settings: Any, content: Any
) -> StaffMessage | None:
    data = event.data
    if not is_detractor(data):
        return None
    lang = language(None, settings)
    contact = await uow.session.get(Contact, int(data["contact_id"]))
    who = customer_name(contact) if contact else f"contact #{data.get('contact_id')}"
    scores = ", ".join(
        label
        for label in (
            f"CSAT {data['csat']}/5" if data.get("csat") is not None else "",
            f"NPS {data['nps']}/10" if data.get("nps") is not None else "",
        )
        if label
    )
    comment = next(
        (
            r.comment
            for r in await uow.surveys.responses(int(data["request_id"]))
            if r.kind == "comment" and r.comment
        ),
        None,
    )
    text = texts.text(content, "staff_detractor", lang, customer=who, scores=scores)
    if comment:
        text += "\n" + texts.text(content, "staff_detractor_comment", lang, comment=comment)
    extras: dict[str, Any] = {
        "request_id": data["request_id"],
        "fields": [
            {"title": k.upper(), "value": str(data[k])} for k in ("csat", "nps") if k in data
        ],
        "comment": comment,
    }
    conversation_id = data.get("conversation_id")
    if conversation_id is not None:
        extras["conversation_id"] = conversation_id
        extras["url"] = conversation_url(settings, int(conversation_id))
    return await add_staff_message(
        uow,
        target="managers",
        kind="detractor",
        text=text,
        rep_id=data.get("rep_id"),
        content=extras,
        ref=f"conversation:{conversation_id}" if conversation_id is not None else None,
        dedupe_key=f"event:{event.event_id}:detractor",
    )
