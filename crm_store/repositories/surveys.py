"""Survey requests (one per trigger) and their responses (one per question)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_store.errors import AlreadyAnswered, NotFound, violated
from crm_store.models import SurveyKind, SurveyRequest, SurveyResponse
from crm_store.repositories.base import Repository


class SurveyRepository(Repository):
    async def get(self, request_id: int) -> SurveyRequest:
        request = await self.session.get(SurveyRequest, request_id)
        if request is None:
            raise NotFound(f"survey request {request_id} not found")
        return request

    async def request(
        self,
        *,
        contact_id: int,
        channel: str,
        trigger: str,
        trigger_ref: str,
        conversation_id: int | None = None,
        rep_id: int | None = None,
    ) -> tuple[SurveyRequest, bool]:
        """The request for a trigger, created once; returns ``(request, created)``."""
        stmt = select(SurveyRequest).where(
            SurveyRequest.trigger == trigger, SurveyRequest.trigger_ref == trigger_ref
        )
        existing = (await self.session.scalars(stmt)).first()
        if existing is not None:
            return existing, False
        request = SurveyRequest(
            contact_id=contact_id,
            channel=channel,
            trigger=trigger,
            trigger_ref=trigger_ref,
            conversation_id=conversation_id,
            rep_id=rep_id,
            status="pending",
            created_at=self.clock.now(),
        )
        try:
            async with self.session.begin_nested():
                self.session.add(request)
        except IntegrityError as exc:
            if not violated(exc, "survey_requests", "uq_survey_requests_trigger"):
                raise
            return (await self.session.scalars(stmt)).one(), False
        return request, True

    async def respond(
        self,
        request: SurveyRequest,
        kind: SurveyKind | str,
        *,
        score: int | None = None,
        comment: str | None = None,
    ) -> SurveyResponse:
        kind = SurveyKind(kind)
        low, high = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10)}.get(kind, (None, None))
        if low is not None and (score is None or not low <= score <= high):
            raise ValueError(f"{kind} score must be between {low} and {high}")
        response = SurveyResponse(
            request_id=request.id,
            kind=kind.value,
            score=score if low is not None else None,
            comment=comment,
            created_at=self.clock.now(),
        )
        try:
            async with self.session.begin_nested():
                self.session.add(response)
        except IntegrityError as exc:
            if violated(exc, "survey_responses", "uq_survey_responses_request_id"):
                raise AlreadyAnswered(f"survey {request.id} already has a {kind} answer") from None
            raise
        request.answered_at = self.clock.now()
        return response

    async def complete(self, request: SurveyRequest) -> None:
        """Mark the survey answered (once) and publish its scores."""
        if request.status == "answered":
            return
        request.status = "answered"
        request.answered_at = self.clock.now()
        scores = {r.kind: r.score for r in await self.responses(request.id) if r.score is not None}
        self.emit(
            "survey.completed",
            request_id=request.id,
            contact_id=request.contact_id,
            conversation_id=request.conversation_id,
            rep_id=request.rep_id,
            channel=request.channel,
            trigger=request.trigger,
            **scores,
        )
        await self.session.flush()

    async def latest_sent_for_contact(self, contact_id: int) -> SurveyRequest | None:
        stmt = (
            select(SurveyRequest)
            .where(SurveyRequest.contact_id == contact_id, SurveyRequest.sent_at.is_not(None))
            .order_by(SurveyRequest.sent_at.desc(), SurveyRequest.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    async def responses(self, request_id: int) -> list[SurveyResponse]:
        stmt = select(SurveyResponse).where(SurveyResponse.request_id == request_id)
        return list((await self.session.scalars(stmt.order_by(SurveyResponse.id))).all())
