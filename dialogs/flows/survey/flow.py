"""The satisfaction survey: CSAT (1-5), NPS (0-10) and an optional comment.

Started by an event (``hub.trigger(conversation_id, "survey", trigger=..., trigger_ref=...)``,
or ``request_id=`` for a request the scheduler created), or by another flow that finished
something (``dialogs.core.feedback.ask_for_feedback``: a lead form, a booking, a goodbye),
never by an intent. One request per trigger and one response per question are guaranteed by
the store's unique constraints, so a repeated trigger or a double click cannot count twice.
A trigger switched off in ``survey.triggers`` makes no request, nor does any trigger for a
contact sent a survey within ``survey.min_days_between`` days.

Decisions: a repeated trigger for an answered request says ``survey_already_answered``; for
one in progress it sends nothing (the question is already on screen). The survey does not
interrupt: while a rep has the conversation, or another flow is active and the conversation
moved within ``BUSY_WINDOW``, it sends nothing and leaves the request ``pending`` for the
scheduler to retry (an older half-finished flow is abandoned). Opted-out contacts get nothing
and no request is made (a given ``request_id`` is marked ``opted_out``). A survey button
clicked with no survey active resumes the contact's latest unfinished request (the state was
lost, e.g. to a handoff); otherwise nothing is stored.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, ClassVar, get_args

from sqlalchemy import select

from crm_store.errors import AlreadyAnswered, NotFound
from crm_store.models import ConversationStatus, SurveyRequest
from dialogs.core.content import LANGS, SurveyQuestion
from dialogs.core.flow import Outcome
from dialogs.core.settings import SurveyTrigger
from dialogs.core.turn import Turn
from dialogs.core.types import Button
from dialogs.flows.survey.answers import SCALES, AnswerStatus, AnswerWords, is_skip, parse_score

log = logging.getLogger(__name__)

BUSY_WINDOW = timedelta(minutes=30)
RESUME_WINDOW = timedelta(days=7)
# Consecutive unclear replies before the bot stops insisting and treats the message normally.
MAX_INVALID = 3
# Intents that mean "I want something else" even where any free text is a valid answer.
_ACTIONS = frozenset(
    {"talk_to_human", "stop", "forget_me", "book_call", "reschedule_call", "cancel_call"}
)
# "yes" or "no" to "how satisfied are you?" is an unclear answer, not small talk.
_NOT_ELSEWHERE = frozenset({"affirm", "deny"})
# A comment is free text, so the classifier must be sure before the survey lets it go: "the
# support was friendly but slow" scores 0.74 for talk_to_human on the demo model.
SURE = 0.9
ELSEWHERE = 0.5
_QUESTION_MARKS = ("?", "？", "吗", "呢")
# Entities whose digits are not scores ("Cam 4K", "$5", a phone number).
_MASKED = frozenset({"product", "money", "phone", "email", "url"})
# Triggers a business can switch off (``survey.triggers``); others (e.g. "conversation", a
# survey asked for explicitly) always run.
TRIGGERS = frozenset(get_args(SurveyTrigger))


class SurveyFlow:
    name: ClassVar[str] = "survey"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        request = await self._find_or_create(turn, options)
        if request is None:
            return Outcome.CONTINUE  # nothing sent; the dialog state is left as it was
        if turn.conversation.status == ConversationStatus.HANDOFF:
            # The customer's replies would go to the rep, not to this flow: try again later.
            log.info("survey %s postponed: a rep has the conversation", request.id)
            return Outcome.CONTINUE
        if request.status == "answered":
            if not options.get("quiet"):  # a flow's own trigger repeated: no need to say so
                turn.say(turn.t("survey_already_answered"))
            return Outcome.CONTINUE
        state = turn.state
        if state.flow == self.name and state.data.get("request_id") == request.id:
            return Outcome.CONTINUE  # in progress: its question is already on the screen
        if self._busy(turn):
            log.info("survey %s postponed: another flow is in use", request.id)
            return Outcome.CONTINUE
        question = await self._first_open(turn, request, after=None)
        if question is None:
            await turn.uow.surveys.complete(request)
            turn.say(turn.t("survey_already_answered"))
            return Outcome.CONTINUE
        request.status = "sent"
        request.sent_at = request.sent_at or turn.services.clock.now()
        state.enter(self.name, step=question.id, request_id=request.id)
        self._ask(turn, question)
        return Outcome.CONTINUE

    async def handle(self, turn: Turn) -> Outcome:
        payload = turn.payload or ""
        if turn.state.flow != self.name:
            if payload.startswith("survey:") and await self._resume(turn):
                return await self.handle(turn)
            # A button from a survey that is over: nothing to store.
            turn.say(turn.t("survey_already_answered"))
            return Outcome.DONE
        request = await self._current_request(turn)
        question = _question(turn, turn.state.step)
        if request is None or question is None or request.status == "answered":
            turn.state.leave()
            if payload.startswith("survey:"):
                turn.say(turn.t("survey_already_answered"))
                return Outcome.DONE
            return Outcome.PASS
        if payload.startswith("survey:"):
            return await self._on_button(turn, request, question, payload)
        if payload:
            return Outcome.PASS  # another flow's button
        if question.kind == "comment":
            return await self._on_comment(turn, request, question)
        return await self._on_score(turn, request, question)

    async def reprompt(self, turn: Turn) -> None:
        if turn.state.flow != self.name:
            return
        if turn.contact.marketing_opt_out:
            turn.state.leave()  # "stop" mid-survey: not another word about it
            return
        question = _question(turn, turn.state.step)
        if question is None:
            turn.state.leave()
        else:
            self._ask(turn, question)

    # ── answers ──────────────────────────────────────────────────────────

    async def _on_button(
        self, turn: Turn, request: SurveyRequest, question: SurveyQuestion, payload: str
    ) -> Outcome:
        parts = payload.split(":")
        if parts[1:] == ["skip"] and question.kind == "comment" and question.optional:
            return await self._advance(turn, request, question)
        if len(parts) == 3 and parts[1] == question.kind and parts[1] in SCALES:
            low, high = SCALES[question.kind]
            if parts[2].isdigit() and low <= int(parts[2]) <= high:
                return await self._store(turn, request, question, score=int(parts[2]))
        # An earlier question's button clicked again, or a forged payload: store nothing.
        self._ask(turn, question)
        return Outcome.CONTINUE

    async def _on_score(
        self, turn: Turn, request: SurveyRequest, question: SurveyQuestion
    ) -> Outcome:
        survey = turn.content.survey
        words = AnswerWords.from_config(survey.answer_words, survey.csat_labels)
        mask = [(e.start, e.end) for e in turn.nlu.entities if e.label in _MASKED]
        answer = parse_score(turn.text, question.kind, words, mask=mask)
        if answer.ok and answer.value is not None:
            return await self._store(turn, request, question, score=answer.value)
        elsewhere = turn.intent not in _NOT_ELSEWHERE and turn.nlu.confidence >= ELSEWHERE
        long_message = len(turn.text.split()) >= 4 or len(turn.text) >= 12
        if turn.intent and elsewhere and (answer.status is AnswerStatus.NONE or long_message):
            return Outcome.PASS  # a question or request mid-survey: answer it, then re-ask
        return self._invalid(turn, question)

    async def _on_comment(
        self, turn: Turn, request: SurveyRequest, question: SurveyQuestion
    ) -> Outcome:
        text = turn.text.strip()
        skip_words = [turn.content.text("button_skip", lang) for lang in LANGS]
        sure = turn.nlu.confidence >= SURE
        if is_skip(text, skip_words) or (turn.intent == "deny" and sure and _short(text)):
            if question.optional:
                return await self._advance(turn, request, question)
            self._ask(turn, question)
            return Outcome.CONTINUE
        if sure and (turn.intent in _ACTIONS or (turn.intent and text.endswith(_QUESTION_MARKS))):
            return Outcome.PASS
        if not text:
            self._ask(turn, question)
            return Outcome.CONTINUE
        return await self._store(turn, request, question, comment=text)

    def _invalid(self, turn: Turn, question: SurveyQuestion) -> Outcome:
        count = int(turn.state.data.get("invalid", 0)) + 1
        if count >= MAX_INVALID:
            # Whatever this is, it is not a score: stop insisting and let the bot answer it.
            log.info("survey left after %d unclear replies", count)
            turn.state.leave()
            return Outcome.PASS
        turn.state.data["invalid"] = count
        turn.say(turn.t(f"survey_invalid_{question.kind}"), _buttons(turn, question))
        return Outcome.CONTINUE

    async def _store(
        self,
        turn: Turn,
        request: SurveyRequest,
        question: SurveyQuestion,
        *,
        score: int | None = None,
        comment: str | None = None,
    ) -> Outcome:
        try:
            await turn.uow.surveys.respond(request, question.kind, score=score, comment=comment)
        except AlreadyAnswered:
            # Answered meanwhile (another device, a concurrent click): the first answer stands.
            log.info("survey %s already has a %s answer", request.id, question.kind)
        return await self._advance(turn, request, question)

    async def _advance(
        self, turn: Turn, request: SurveyRequest, question: SurveyQuestion
    ) -> Outcome:
        following = await self._first_open(turn, request, after=question.id)
        if following is None:
            await turn.uow.surveys.complete(request)  # also publishes survey.completed
            turn.state.leave()
            turn.say(turn.t("survey_thanks"))
            return Outcome.DONE
        turn.state.enter(self.name, step=following.id, request_id=request.id)
        self._ask(turn, following)
        return Outcome.CONTINUE

    # ── requests and questions ───────────────────────────────────────────

    async def _find_or_create(self, turn: Turn, options: dict[str, Any]) -> SurveyRequest | None:
        conversation, contact = turn.conversation, turn.contact
        request_id = options.get("request_id")
        request: SurveyRequest | None = None
        if request_id is not None:
            try:
                request = await turn.uow.surveys.get(int(request_id))
            except (NotFound, ValueError):
                log.warning("survey request %r not found; nothing sent", request_id)
                return None
            if request.contact_id != contact.id:
                log.warning("survey request %s is not for contact %s", request.id, contact.id)
                return None
        if contact.marketing_opt_out:
            if request is not None and request.status == "pending":
                request.status = "opted_out"
            log.info("contact %s opted out; survey not sent", contact.id)
            return None
        if request is None:
            trigger = str(options.get("trigger", "conversation"))
            ref = str(options.get("trigger_ref") or f"conversation:{conversation.id}")
            if trigger in TRIGGERS and trigger not in turn.services.settings.survey.triggers:
                log.info("survey trigger %s is not enabled (survey.triggers)", trigger)
                return None
            if await self._asked_recently(turn, trigger, ref):
                return None
            request, _ = await turn.uow.surveys.request(
                contact_id=contact.id,
                channel=conversation.channel,
                trigger=trigger,
                trigger_ref=ref,
                conversation_id=conversation.id,
                rep_id=conversation.assigned_rep_id,
            )
        return request

    async def _asked_recently(self, turn: Turn, trigger: str, ref: str) -> bool:
        """The frequency cap (``survey.min_days_between``): was another survey sent lately?

        Counted from the store's requests, so it holds across channels, conversations and
        triggers (scheduled or in chat). The request for this very trigger does not count:
        its repeat is answered by ``start`` as before. A request of this trigger still waiting
        (postponed by the scheduler) is expired, so it is not retried.
        """
        days = turn.services.settings.survey.min_days_between
        if days <= 0:
            return False
        latest = await turn.uow.surveys.latest_sent_for_contact(turn.contact.id)
        if latest is None or latest.sent_at is None:
            return False
        if (latest.trigger, latest.trigger_ref) == (trigger, ref):
            return False
        if turn.services.clock.now() - latest.sent_at >= timedelta(days=days):
            return False
        log.info(
            "contact %s was surveyed on %s; %s survey not sent (survey.min_days_between: %d)",
            turn.contact.id,
            latest.sent_at.date(),
            trigger,
            days,
        )
        stmt = select(SurveyRequest).where(
            SurveyRequest.trigger == trigger, SurveyRequest.trigger_ref == ref
        )
        waiting = (await turn.uow.session.scalars(stmt)).first()
        if waiting is not None and waiting.status == "pending":
            waiting.status = "expired"  # no row is made otherwise: reports count real asks
        return True

    def _busy(self, turn: Turn) -> bool:
        if turn.state.flow is None:
            return False
        last = turn.conversation.last_message_at
        return last is not None and turn.services.clock.now() - last < BUSY_WINDOW

    async def _current_request(self, turn: Turn) -> SurveyRequest | None:
        try:
            return await turn.uow.surveys.get(int(turn.state.data.get("request_id", 0)))
        except (NotFound, TypeError, ValueError):
            return None

    async def _first_open(
        self, turn: Turn, request: SurveyRequest, *, after: str | None
    ) -> SurveyQuestion | None:
        """The first question, after ``after`` in the configured order, not yet answered."""
        answered = {r.kind for r in await turn.uow.surveys.responses(request.id)}
        questions = list(turn.content.survey.questions)
        ids = [q.id for q in questions]
        start = ids.index(after) + 1 if after in ids else 0
        return next((q for q in questions[start:] if q.kind not in answered), None)

    async def _resume(self, turn: Turn) -> bool:
        """Pick up the contact's latest survey if it is unfinished and this button fits it."""
        latest = await turn.uow.surveys.latest_sent_for_contact(turn.contact.id)
        if latest is None or latest.status != "sent" or latest.sent_at is None:
            return False
        if turn.contact.marketing_opt_out:
            return False
        if turn.services.clock.now() - latest.sent_at > RESUME_WINDOW:
            return False
        question = await self._first_open(turn, latest, after=None)
        if question is None:
            return False
        # The clicked button is then taken if it answers this question, else the question is
        # asked again: either way nothing is stored twice.
        turn.state.enter(self.name, step=question.id, request_id=latest.id)
        return True

    def _ask(self, turn: Turn, question: SurveyQuestion) -> None:
        turn.say(question.prompt.get(turn.lang), _buttons(turn, question))


def _short(text: str) -> bool:
    """ "no", "nothing", "没有": a refusal, not a comment that happens to sound negative."""
    return len(text.split()) <= 3 and len(text) <= 12


def _question(turn: Turn, step: str | None) -> SurveyQuestion | None:
    return next((q for q in turn.content.survey.questions if q.id == step), None)


def _buttons(turn: Turn, question: SurveyQuestion) -> tuple[Button, ...]:
    if question.kind == "csat":
        labels = turn.content.survey.csat_labels
        names = labels.get(turn.lang) or labels.get("en") or ("1", "2", "3", "4", "5")  # type: ignore[call-overload]
        return tuple(Button(name, f"survey:csat:{i}") for i, name in enumerate(names, start=1))
    if question.kind == "nps":
        return tuple(Button(str(n), f"survey:nps:{n}") for n in range(11))
    if question.optional:
        return (turn.button("button_skip", "survey:skip"),)
    return ()
