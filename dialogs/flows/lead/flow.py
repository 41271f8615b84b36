"""Lead capture: the quote-request form from config/lead_form.yaml.

Started by the request_quote intent or the ``lead:start`` button. Asks the configured fields
in order (skipping what the contact already told us), re-asks invalid answers with the
reason, takes corrections of earlier answers at any point, lets optional questions be
skipped and the whole form be cancelled, and hands questions asked in the middle to the
manager (``Outcome.PASS``) before resuming. Nothing is stored until the customer consents;
then the contact is updated (and merged with a known one on e-mail or phone), the lead is
created or enriched, scored, and handed to reps when it qualifies.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dialogs.core.content import FormField
from dialogs.core.feedback import ask_for_feedback
from dialogs.core.flow import Outcome
from dialogs.core.turn import Turn
from dialogs.flows.lead.prefill import from_message
from dialogs.flows.lead.questions import (
    CONSENT,
    advance,
    ask,
    consent_text,
    field_named,
    prefilled,
    relevant,
)
from dialogs.flows.lead.store import store_lead
from dialogs.flows.lead.text import (
    CANCEL,
    CONFIDENT,
    NO,
    NONE_GIVEN,
    SKIP,
    YES,
    Correction,
    asks_for_quote_again,
    correction_cue,
    is_interruption,
    normalize,
    parse_correction,
    question_shaped,
)
from dialogs.validators import Checked, check


class LeadFlow:
    name: ClassVar[str] = "lead"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        if turn.state.flow == self.name and turn.state.step:
            # Asked for a quote again mid-form: keep what was answered and carry on.
            await self.reprompt(turn)
            return Outcome.CONTINUE
        form = turn.content.lead_form
        # What the opening message said wins over what the contact record had.
        said = from_message(form, turn.text, turn.nlu.entities, regions=_regions(turn))
        answers = {**prefilled(form, turn.contact), **said}
        turn.state.enter(self.name, None, answers=answers, skipped=[])
        turn.say(turn.t("lead_start"))
        advance(turn)
        return Outcome.CONTINUE

    async def reprompt(self, turn: Turn) -> None:
        if turn.state.flow == self.name:
            ask(turn, resume=True)

    async def handle(self, turn: Turn) -> Outcome:
        if turn.state.flow != self.name:
            # A button of a form that is over, most often a double tap on "Yes" or an
            # option: answering it again (or opening a new form) would only confuse.
            if turn.payload and turn.payload.startswith("lead:"):
                return Outcome.DONE
            return await self.start(turn)
        if turn.payload:
            return await self._button(turn, turn.payload)
        return await self._typed(turn)

    # ── buttons ───────────────────────────────────────────────────────────
    async def _button(self, turn: Turn, payload: str) -> Outcome:
        if not payload.startswith("lead:"):
            return Outcome.PASS  # another flow's button: the manager routes it
        if payload == "lead:cancel":
            return self._cancel(turn)
        step = turn.state.step
        if step == CONSENT:
            if payload == "lead:consent:yes":
                return await self._consented(turn)
            if payload == "lead:consent:no":
                return self._declined(turn)
        form_field = field_named(turn.content.lead_form, step)
        if form_field is not None:
            if payload == "lead:skip":
                return self._skip(turn, form_field)
            value = payload.removeprefix("lead:choice:")
            if value != payload and value in {c.value for c in form_field.choices}:
                return self._accept(turn, form_field, value)
        ask(turn)  # a stale button from an earlier question: ask the pending one again
        return Outcome.CONTINUE

    # ── typed messages ────────────────────────────────────────────────────
    async def _typed(self, turn: Turn) -> Outcome:
        text = turn.text.strip()
        said = normalize(text)
        if not said:
            ask(turn)
            return Outcome.CONTINUE
        if said in CANCEL:
            return self._cancel(turn)
        step = turn.state.step
        corrected = self._correction(turn, text)
        if isinstance(corrected, Outcome):
            return corrected
        if corrected is not None:  # "my name is Jo" while the name is asked: the answer is "Jo"
            text, said = corrected, normalize(corrected)
        if step == CONSENT:
            return await self._consent_typed(turn, text, said)
        form_field = field_named(turn.content.lead_form, step)
        if form_field is None:  # the form changed under a running conversation
            advance(turn)
            return Outcome.CONTINUE
        free_text = form_field.validator == "text"
        if said in SKIP | NONE_GIVEN:
            return self._skip(turn, form_field)  # or say it is required
        if free_text and said in YES:
            ask(turn)  # "yes" is neither a name nor a company
            return Outcome.CONTINUE
        if corrected is None and form_field.validator == "number":
            text = _without_products(turn)  # "Cam 4K" is not 4,000 rooms
        checked = self._check(turn, form_field, text)
        nlu = turn.nlu
        if corrected is None:  # an explicit "my name is ..." is an answer, whatever the intent
            if asks_for_quote_again(text, nlu.intent, nlu.confidence):
                if free_text or not checked.ok:
                    ask(turn, resume=True)  # "I want a quote": that is what we are doing
                    return Outcome.CONTINUE
            if is_interruption(
                text,
                nlu.intent,
                nlu.confidence,
                free_text=free_text,
                valid_answer=checked.ok,
                questions=turn.routes.questions,
            ):
                if nlu.intent == "stop":
                    turn.state.leave()  # opting out of messages ends the form as well
                return Outcome.PASS
        if checked.ok:
            return self._accept(turn, form_field, checked.value)
        self._invalid(turn, checked)
        return Outcome.CONTINUE

    def _correction(self, turn: Turn, text: str) -> Outcome | str | None:
        """Handle "actually my e-mail is ..." for a field other than the pending one.

        Returns the outcome when it was such a correction, the value alone when it names
        the pending field (so it is answered normally), otherwise None.
        """
        form = turn.content.lead_form
        found = parse_correction(text)
        if found is None and correction_cue(text):
            # "sorry, jo@acme.com": the entity says which field is corrected.
            found = next(
                (
                    Correction(entity.label, str(entity.text))
                    for entity in turn.nlu.entities
                    if entity.label in ("email", "phone")
                ),
                None,
            )
        if found is None:
            return None
        # "my e-mail is ..." names the contact column; the form may call its field otherwise.
        form_field = form.field_for(found.field)
        if form_field is None:
            return None
        name, value = form_field.name, found.value
        if name == turn.state.step:
            return value
        checked = self._check(turn, form_field, value)
        if not checked.ok:
            if question_shaped(text):
                return None  # "what's your phone number?" is a question, not a correction
            self._invalid(turn, checked)
            return Outcome.CONTINUE
        self._store_answer(turn, name, checked.value)
        turn.say(turn.t("lead_correction_ok", field=self._label(turn, name)))
        ask(turn)
        return Outcome.CONTINUE

    async def _consent_typed(self, turn: Turn, text: str, said: str) -> Outcome:
        intent, confidence = turn.nlu.intent, turn.nlu.confidence
        if said in NO:
            return self._declined(turn)
        if said in YES or (intent == "affirm" and confidence >= CONFIDENT):
            return await self._consented(turn)
        if intent == "deny" and confidence >= CONFIDENT:
            return self._declined(turn)
        if is_interruption(
            text,
            intent,
            confidence,
            free_text=False,
            valid_answer=False,
            questions=turn.routes.questions,
        ):
            return Outcome.PASS
        self._invalid(turn, Checked.invalid("lead_invalid_choice"))
        return Outcome.CONTINUE

    # ── outcomes ──────────────────────────────────────────────────────────
    def _accept(self, turn: Turn, form_field: FormField, value: Any) -> Outcome:
        self._store_answer(turn, form_field.name, value)
        advance(turn)
        return Outcome.CONTINUE

    def _skip(self, turn: Turn, form_field: FormField) -> Outcome:
        if form_field.required:
            turn.say(turn.t("lead_required"))
            ask(turn)
            return Outcome.CONTINUE
        data = turn.state.data
        answers = {k: v for k, v in data.get("answers", {}).items() if k != form_field.name}
        skipped = [*data.get("skipped", []), form_field.name]
        turn.state.data = {**data, "answers": answers, "skipped": skipped}
        turn.say(turn.t("lead_skipped"))
        advance(turn)
        return Outcome.CONTINUE

    def _invalid(self, turn: Turn, checked: Checked) -> None:
        reason = turn.t(checked.reason or "lead_invalid_choice", **checked.reason_values)
        turn.say(turn.t("lead_invalid", reason=reason))
        ask(turn)

    def _cancel(self, turn: Turn) -> Outcome:
        turn.state.leave()
        turn.say(turn.t("lead_cancelled"))
        return Outcome.DONE

    def _declined(self, turn: Turn) -> Outcome:
        turn.state.leave()  # the answers lived only in the state: they are gone now
        turn.say(turn.t("lead_consent_declined"))
        return Outcome.DONE

    async def _consented(self, turn: Turn) -> Outcome:
        data = turn.state.data
        shown = data.get("consent_text") or consent_text(turn)
        answers = relevant(turn.content.lead_form, dict(data.get("answers", {})))
        stored = await store_lead(turn, answers, shown)
        turn.state.leave()
        if stored.merged:
            turn.say(turn.t("lead_merged"))
        if stored.score.qualified:
            turn.say(turn.t("lead_qualified"), (turn.button("button_book_call", "book:start"),))
        else:
            turn.say(turn.t("lead_thanks", name=stored.contact.name or ""))
        ask_for_feedback(turn, "lead", f"lead:{stored.lead.id}")
        return Outcome.DONE

    # ── helpers ───────────────────────────────────────────────────────────
    @staticmethod
    def _check(turn: Turn, form_field: FormField, text: str) -> Checked:
        return check(form_field, text, regions=_regions(turn))

    @staticmethod
    def _store_answer(turn: Turn, name: str, value: Any) -> None:
        data = turn.state.data
        answers = {**data.get("answers", {}), name: value}
        skipped = [s for s in data.get("skipped", []) if s != name]
        turn.state.data = {**data, "answers": answers, "skipped": skipped}

    @staticmethod
    def _label(turn: Turn, name: str) -> str:
        key = f"lead_field_{name}"
        return turn.t(key) if key in turn.content.texts.get("en", {}) else name


def _regions(turn: Turn) -> tuple[str, ...]:
    region = turn.services.settings.business.default_phone_region
    # Mainland numbers are usually written without +86 by people writing Chinese.
    return (region, "CN") if turn.lang == "zh" and region != "CN" else (region,)


def _without_products(turn: Turn) -> str:
    """The message with product names blanked out, for reading a number from it."""
    text = turn.text
    for entity in sorted(turn.nlu.entities, key=lambda e: e.start, reverse=True):
        if entity.label == "product":
            text = text[: entity.start] + " " + text[entity.end :]
    return text.strip()
