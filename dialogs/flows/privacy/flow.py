"""Opting out ("stop") and "forget me", as easy as giving consent.

"stop" (typed, ``/stop`` on Telegram, the widget's ``privacy:stop`` button) opts the contact
out at once: consent is withdrawn for marketing and for every purpose they had granted,
scheduled messages to them are cancelled (tasks about a contact use dedupe keys starting
``contact:<id>:``; tasks that only inform staff stay) and open survey requests are closed as
``opted_out``.

"forget me" asks for confirmation, then runs the same erasure service as the CLI and the API
(``bot.privacy.erase.erase_contact``). The conversation's address is kept until the
confirmation has been delivered; the ``privacy.cleanup`` task the erasure schedules removes
it afterwards, together with salesbot's Slack messages about the person.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from sqlalchemy import select, update

from crm_store.models import Consent, ScheduledTask, SurveyRequest, TaskState
from crm_store.models.ops import CANCELLED, PENDING, EmailMessage
from dialogs.core.flow import Outcome
from dialogs.core.turn import Turn

_PURPOSE = "marketing"
# Survey requests still waiting for answers; "stop" closes them.
_OPEN_SURVEYS = ("pending", "sent")
# Tasks that only tell staff something (did the call happen, nobody took the handoff yet):
# "stop" is about messages to the customer, so these go on until an erasure.
_STAFF_TASKS = ("followup.check", "handoff.reannounce", "handoff.escalate")
# E-mails that are follow-ups of a conversation rather than a booking's own confirmation.
_STOPPED_EMAIL_KINDS = ("reminder", "survey", "marketing")


# Where a message carrying contact details must name the deletion outright to count as one.
_DETAILS = frozenset({"email", "phone"})
# Words of an erasure request. Deliberately not "stop" or "no": those are answers or opt-outs.
_ERASE_WORDS = re.compile(
    r"\b(delet\w*|eras\w*|remov\w*|forget\w*|forgot\w*|wip\w*|purg\w*|gdpr|withdraw\w*)\b"
    r"|删除|删掉|删了|清除|清空|忘记|忘掉|注销|抹去|销毁|移除|撤回",
    re.IGNORECASE,
)
FALLBACK = "qa"  # the manager's fallback: a message nobody claims goes to Q&A


class PrivacyFlow:
    name: ClassVar[str] = "privacy"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        if options.get("mode") == "forget_me" and not _asks_to_forget(turn):
            # "my email is eve@example.org": the classifier hears "my email" as "delete my
            # email", but someone giving their details wants something else entirely.
            turn.switch_to(FALLBACK)
            return Outcome.DONE
        if options.get("mode") == "forget_me":
            turn.state.enter(self.name, "confirm_forget")
            turn.say(
                turn.t("forget_me_confirm"),
                (
                    turn.button("button_yes", "privacy:confirm"),
                    turn.button("button_no", "privacy:cancel"),
                ),
            )
            return Outcome.CONTINUE
        done = turn.t("stop_done")
        await self._opt_out(turn, shown=done)
        turn.say(done)
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        if turn.state.step != "confirm_forget":
            return Outcome.DONE
        if turn.payload == "privacy:confirm" or (not turn.payload and turn.intent == "affirm"):
            done = turn.t("forget_me_done")
            await self._opt_out(turn, shown=done)
            await turn.services.erasure.forget(
                turn.uow, turn.contact.id, keep_address_of=turn.conversation.id
            )
            turn.state.leave()
            turn.say(done)
            return Outcome.DONE
        turn.say(turn.t("forget_me_cancelled"))
        turn.state.leave()
        if turn.payload == "privacy:cancel" or turn.intent == "deny":
            return Outcome.DONE
        return Outcome.PASS  # something else entirely: answer it as usual

    async def reprompt(self, turn: Turn) -> None:
        return None

    async def _opt_out(self, turn: Turn, *, shown: str) -> None:
        """Withdraw every consent and stop everything proactive, in this transaction.

        ``text_shown`` of a withdrawal is the confirmation the customer saw, not what they
        typed: a withdrawal record must not itself store new personal data.
        """
        uow, contact = turn.uow, turn.contact
        contact.marketing_opt_out = True
        granted = await uow.session.scalars(
            select(Consent.purpose).where(Consent.contact_id == contact.id).distinct()
        )
        purposes = {_PURPOSE}
        for purpose in granted.all():
            if await uow.consents.current(contact.id, purpose):
                purposes.add(purpose)
        for purpose in sorted(purposes):
            await uow.consents.record(
                contact.id,
                purpose=purpose,
                text_shown=shown,
                granted=False,
                channel=turn.conversation.channel,
            )
        await uow.session.execute(
            update(ScheduledTask)
            .where(
                ScheduledTask.state == TaskState.PENDING.value,
                ScheduledTask.dedupe_key.startswith(f"contact:{contact.id}:", autoescape=True),
                ScheduledTask.kind.not_in(_STAFF_TASKS),
            )
            .values(state=TaskState.CANCELLED.value, finished_at=turn.services.clock.now())
        )
        await uow.session.execute(
            update(SurveyRequest)
            .where(
                SurveyRequest.contact_id == contact.id,
                SurveyRequest.status.in_(_OPEN_SURVEYS),
            )
            .values(status="opted_out")
        )
        await uow.session.execute(
            update(EmailMessage)
            .where(
                EmailMessage.contact_id == contact.id,
                EmailMessage.state == PENDING,
                EmailMessage.kind.in_(_STOPPED_EMAIL_KINDS),
            )
            .values(state=CANCELLED, next_attempt_at=None)
        )
        await uow.audit.log(
            "customer",
            "consent.withdrawn",
            target_type="contact",
            target_id=contact.id,
            detail={"purposes": sorted(purposes), "channel": turn.conversation.channel},
        )


def _asks_to_forget(turn: Turn) -> bool:
    """A typed forget-me is taken only when it is not just the customer giving their e-mail or
    phone: with such details in it, the message must also say "delete", "删除"... itself.
    Buttons (``privacy:forget``) and messages without details are taken as they are."""
    if turn.payload or not turn.text:
        return True
    if not any(entity.label in _DETAILS for entity in turn.nlu.entities):
        return True
    return _ERASE_WORDS.search(turn.text) is not None
