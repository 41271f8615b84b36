"""Data rights over the API: export a contact (access, portability) and erase one.

Both are for ``admin`` and ``manager`` tokens only: an export holds a person's whole history
across channels, beyond what a rep token may see, and erasure cannot be undone. Both are
audited with the token as actor (``token:<id>``). Erasure runs the same service as the CLI
and the chat's "forget me"; salesbot's Slack messages about the person are removed right
after the commit, and whatever Slack refuses for now is retried by the scheduler.
"""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.api.auth import Principal
from bot.api.params import IdPath
from bot.api.schemas import ErrorOut
from bot.privacy.erase import erase_contact, run_cleanup_task
from bot.privacy.export import FORMAT, export_contact
from bot.privacy.slack_cleanup import SlackEraser
from bot.privacy.suppression import suppression_key
from bot.scheduler.handlers.privacy import slack_eraser
from crm_store.errors import NotFound
from crm_store.uow import UnitOfWork

RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Only admin and manager tokens may do this."},
    404: {"model": ErrorOut, "description": "No such contact."},
}


class SlackCleanupOut(BaseModel):
    deleted: int = 0
    redacted: int = 0
    already_gone: int = 0
    left_to_reps: int = Field(0, description="Replies reps wrote themselves; a bot cannot.")
    failed: list[str] = Field(default_factory=list)
    remaining: int = Field(0, description="Retried by the scheduler (rate limit, outage).")


class ErasureOut(BaseModel):
    contact_id: int
    identities_suppressed: int
    slack_messages: int = Field(description="Slack messages salesbot posted about the person.")
    slack: SlackCleanupOut | None = None


def privacy_router(
    runtime: Any,
    principal: Any,
    *,
    eraser: Callable[[Any], SlackEraser | None] = slack_eraser,
) -> APIRouter:
    router = APIRouter(prefix="/contacts", tags=["privacy"])
    Caller = Annotated[Principal, Depends(principal)]

    def managers_only(who: Principal) -> None:
        if who.is_rep:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "only admin and manager tokens")

    @router.get(
        "/{contact_id}/export",
        summary="Export everything about a contact (GDPR Art. 15/20)",
        responses={
            **RESPONSES,
            200: {
                "description": f"A `{FORMAT}` JSON document.",
                "content": {"application/json": {}},
            },
        },
    )
    async def export(contact_id: IdPath, who: Caller) -> JSONResponse:
        """One JSON document: contact, identities, consents, leads with their history,
        conversations with every message, follow-ups, surveys, e-mails, staff messages about
        the person, Slack cards and the audit entries about their records."""
        managers_only(who)
        try:
            async with UnitOfWork(runtime.db, runtime.clock) as uow:
                document = await export_contact(uow, contact_id, actor=who.actor)
        except NotFound:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"contact {contact_id} not found"
            ) from None
        return JSONResponse(
            document,
            headers={
                "Content-Disposition": f'attachment; filename="contact-{contact_id}.json"',
                "Cache-Control": "no-store",
            },
        )

    @router.delete(
        "/{contact_id}",
        response_model=ErasureOut,
        summary="Erase a contact's personal data (GDPR Art. 17)",
        responses=RESPONSES,
    )
    async def erase(contact_id: IdPath, who: Caller) -> ErasureOut:
        """Removes the person's personal data everywhere and blocks their channel identities
        against late retries of old events. Lead, survey-score and message counts stay,
        anonymised. Cannot be undone. Erasing an erased contact again is harmless."""
        managers_only(who)
        try:
            async with UnitOfWork(runtime.db, runtime.clock) as uow:
                result = await erase_contact(
                    uow,
                    contact_id,
                    actor=who.actor,
                    key=suppression_key(runtime.settings),
                    reason="api",
                )
        except NotFound:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"contact {contact_id} not found"
            ) from None
        slack = None
        if result.cleanup_task_id is not None:
            outcome = await run_cleanup_task(
                runtime.db, runtime.clock, result.cleanup_task_id, eraser(runtime.settings)
            )
            if outcome is not None:
                slack = SlackCleanupOut(**outcome.slack.as_dict())
        return ErasureOut(
            contact_id=contact_id,
            identities_suppressed=result.suppressed,
            slack_messages=len(result.slack_refs),
            slack=slack,
        )

    return router
