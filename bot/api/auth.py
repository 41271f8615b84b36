"""Who is calling: bearer tokens with a role, and what a role may see.

``admin`` and ``manager`` tokens see and change everything; a ``rep`` token sees only the
leads it owns, the conversations assigned to it or belonging to its leads' contacts, its
follow-ups and its surveys. Someone else's record answers 404, as if it did not exist.
The optional ``SALESBOT_API_TOKEN`` from the environment acts as an admin token (for
bootstrapping and scripts); tokens made with ``salesbot tokens create`` are the normal way.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, false, true

from bot.reports.kpi_data import Scope
from crm_store.models import FollowUp, Rep, SurveyRequest
from crm_store.models.api import TokenRole
from crm_store.repositories.api_tokens import ApiTokenRepository
from crm_store.uow import UnitOfWork

bearer = HTTPBearer(
    auto_error=False,
    description="A token from `salesbot tokens create`: `Authorization: Bearer <token>`.",
)


@dataclass(frozen=True)
class Principal:
    token_id: int | None  # None: the SALESBOT_API_TOKEN from the environment
    role: TokenRole
    rep_id: int | None = None

    @property
    def actor(self) -> str:
        return f"token:{self.token_id if self.token_id is not None else 'env'}"

    @property
    def is_rep(self) -> bool:
        return self.role == TokenRole.REP

    # Row filters: everything for managers, only the rep's own rows for a rep token.

    # A rep's rows are the reports' rule for one rep (``Scope``), so the API, the dashboard
    # lists and the KPIs cannot drift apart. A rep without a rep id sees nothing (the
    # store refuses such tokens; ``Scope(rep_id=None)`` would mean everyone's rows).

    def leads(self) -> ColumnElement[bool]:
        if not self.is_rep:
            return true()
        return Scope(rep_id=self.rep_id).leads() if self.rep_id is not None else false()

    def conversations(self) -> ColumnElement[bool]:
        if not self.is_rep:
            return true()
        return Scope(rep_id=self.rep_id).conversations() if self.rep_id is not None else false()

    def follow_ups(self) -> ColumnElement[bool]:
        return FollowUp.rep_id == self.rep_id if self.is_rep else true()

    def surveys(self) -> ColumnElement[bool]:
        return SurveyRequest.rep_id == self.rep_id if self.is_rep else true()

    def rep_filter(self, wanted: int | None) -> int | None:
        """The rep filter to apply: a rep token may only ask about itself."""
        if not self.is_rep:
            return wanted
        if wanted is not None and wanted != self.rep_id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a rep token sees only its own rep")
        return self.rep_id


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def principal_dependency(runtime: Any) -> Any:
    """A FastAPI dependency resolving the caller's ``Principal`` (401 if none)."""

    async def principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if credentials is None:
            raise unauthorized("missing bearer token: send Authorization: Bearer <token>")
        token = credentials.credentials
        env_token = runtime.settings.secrets.api_token
        if env_token is not None and hmac.compare_digest(
            token.encode(), env_token.get_secret_value().encode()
        ):
            return Principal(None, TokenRole.ADMIN)
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            row = await ApiTokenRepository(uow.session, uow.clock).authenticate(token)
            if row is None:
                raise unauthorized("invalid or revoked token")
            if row.rep_id is not None:
                rep = await uow.session.get(Rep, row.rep_id)
                if rep is None or not rep.active:
                    # A rep who left keeps no access, whatever tokens were made for them.
                    raise unauthorized("the token's rep is no longer active")
            return Principal(row.id, TokenRole(row.role), row.rep_id)

    return principal
