"""``/conversations``: list with filters, and one conversation with its transcript."""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select

from bot.api.auth import Principal
from bot.api.params import (
    Channel,
    ContactId,
    IdPath,
    Limit,
    Offset,
    Since,
    TimeRange,
    Until,
    paginate,
)
from bot.api.schemas import (
    REP_FORBIDDEN,
    ButtonOut,
    ConversationDetail,
    ConversationOut,
    ErrorOut,
    MessageOut,
    Page,
)
from crm_store.models import Conversation, ConversationStatus, Message
from crm_store.uow import UnitOfWork

TRANSCRIPT_MAX = 1000


def conversations_router(runtime: Any, principal: Any) -> APIRouter:
    router = APIRouter(prefix="/conversations", tags=["conversations"])
    Caller = Annotated[Principal, Depends(principal)]

    @router.get(
        "",
        response_model=Page[ConversationOut],
        summary="List conversations",
        responses=REP_FORBIDDEN,
    )
    async def list_conversations(
        who: Caller,
        status_: Annotated[ConversationStatus | None, Query(alias="status")] = None,
        channel: Channel = None,
        rep_id: Annotated[
            int | None, Query(ge=1, le=2**63 - 1, description="Assigned to this rep.")
        ] = None,
        contact_id: ContactId = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[ConversationOut]:
        """Conversations, newest first. `since`/`until` filter on when they started."""
        window = TimeRange.of(since, until)
        stmt = select(Conversation).where(who.conversations()).order_by(Conversation.id.desc())
        if status_ is not None:
            stmt = stmt.where(Conversation.status == status_.value)
        if channel is not None:
            stmt = stmt.where(Conversation.channel == channel)
        if rep_id is not None:
            stmt = stmt.where(Conversation.assigned_rep_id == who.rep_filter(rep_id))
        if contact_id is not None:
            stmt = stmt.where(Conversation.contact_id == contact_id)
        stmt = window.apply(stmt, Conversation.created_at)
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            rows, total, next_offset = await paginate(uow.session, stmt, limit, offset)
            await uow.audit.log(
                who.actor,
                "api.conversations.list",
                target_type="conversation",
                detail={"returned": len(rows), "total": total, "offset": offset},
            )
        items = [ConversationOut.model_validate(r) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset, next_offset=next_offset)

    @router.get(
        "/{conversation_id}",
        response_model=ConversationDetail,
        summary="Get a conversation with its transcript",
        responses={
            404: {"model": ErrorOut, "description": "No such conversation (or not this rep's)."}
        },
    )
    async def get_conversation(
        conversation_id: IdPath,
        who: Caller,
        after_seq: Annotated[
            int, Query(ge=0, le=2**31, description="Only messages after this sequence number.")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=TRANSCRIPT_MAX, description="Messages.")] = 500,
    ) -> ConversationDetail:
        """The conversation and its messages in order (customer, bot and rep)."""
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            stmt = select(Conversation).where(
                Conversation.id == conversation_id, who.conversations()
            )
            conversation = (await uow.session.scalars(stmt)).first()
            if conversation is None:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"conversation {conversation_id} not found"
                )
            messages = await uow.messages.transcript(
                conversation_id, after_seq=after_seq, limit=limit + 1
            )
            await uow.audit.log(
                who.actor,
                "api.conversations.get",
                target_type="conversation",
                target_id=conversation_id,
            )
        more = len(messages) > limit
        messages = messages[:limit]
        return ConversationDetail(
            **ConversationOut.model_validate(conversation).model_dump(),
            messages=[_message(m) for m in messages],
            next_after_seq=messages[-1].seq if more else None,
        )

    return router


def _message(message: Message) -> MessageOut:
    content = message.content or {}
    buttons = [*content.get("buttons", ()), *content.get("quick_replies", ())]
    return MessageOut(
        seq=message.seq,
        direction=message.direction,
        role=message.role,
        text=message.text,
        payload=message.payload,
        buttons=[ButtonOut(title=b["title"], payload=b["payload"]) for b in buttons],
        intent=message.intent,
        delivery=message.delivery,
        created_at=message.created_at,
    )
