"""The CRM API under ``/api/v1``: leads, contacts, conversations, follow-ups, surveys.

``create_api_router(runtime)`` returns the router the app includes; OpenAPI docs are at
``/api/docs``. Authentication and roles: ``bot.api.auth``.
"""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from bot.api.auth import Principal, principal_dependency
from bot.api.contacts import contacts_router
from bot.api.conversations import conversations_router
from bot.api.follow_ups import follow_ups_router
from bot.api.kpis import kpis_router
from bot.api.leads import leads_router
from bot.api.privacy import privacy_router
from bot.api.schemas import ErrorOut, MeOut, RepOut
from bot.api.surveys import surveys_router
from crm_store.models import Rep
from crm_store.uow import UnitOfWork

PREFIX = "/api/v1"
UNAUTHORIZED = {401: {"model": ErrorOut, "description": "Missing, invalid or revoked token."}}


def create_api_router(runtime: Any, *, slack_eraser: Any = None) -> APIRouter:
    """The ``/api/v1`` router over a ``bot.runtime.Runtime`` (settings, db, clock).

    ``slack_eraser`` replaces how erasure reaches Slack (tests point it at a fake server).
    """
    principal = principal_dependency(runtime)
    Caller = Annotated[Principal, Depends(principal)]
    router = APIRouter(prefix=PREFIX, responses=UNAUTHORIZED)

    @router.get("/me", response_model=MeOut, tags=["meta"], summary="The calling token")
    async def me(who: Caller) -> MeOut:
        """The role of the token in use (and its rep, for a rep token)."""
        return MeOut(token_id=who.token_id, role=who.role, rep_id=who.rep_id)

    @router.get("/reps", response_model=list[RepOut], tags=["meta"], summary="List reps")
    async def reps(who: Caller) -> list[RepOut]:
        """Sales reps, e.g. to pick a lead's new owner."""
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            rows = (await uow.session.scalars(select(Rep).order_by(Rep.id))).all()
        return [RepOut.model_validate(r) for r in rows]

    for make in (
        leads_router,
        contacts_router,
        conversations_router,
        follow_ups_router,
        surveys_router,
        kpis_router,
    ):
        router.include_router(make(runtime, principal))
    options = {"eraser": slack_eraser} if slack_eraser is not None else {}
    router.include_router(privacy_router(runtime, principal, **options))
    return router


__all__ = ["PREFIX", "create_api_router"]
