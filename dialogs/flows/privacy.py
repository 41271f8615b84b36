"""Opting out ("stop") and "forget me", as easy as giving consent.

"stop" opts the contact out of marketing and surveys at once and cancels what was
scheduled for them. "forget me" asks for confirmation, then erases the person's data.
Scheduled tasks about a contact use dedupe keys starting ``contact:<id>:`` so they can be
cancelled together.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dialogs.turn import Outcome, Turn

_PURPOSE = "marketing"


class PrivacyFlow:
    name: ClassVar[str] = "privacy"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
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
        await self._opt_out(turn)
        turn.say(turn.t("stop_done"))
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        if turn.state.step != "confirm_forget":
            return Outcome.DONE
        if turn.payload == "privacy:confirm" or (not turn.payload and turn.intent == "affirm"):
            await self._opt_out(turn)
            await turn.uow.personal_data.erase(turn.contact.id)
            turn.state.leave()
            turn.say(turn.t("forget_me_done"))
            return Outcome.DONE
        turn.say(turn.t("forget_me_cancelled"))
        turn.state.leave()
        if turn.payload == "privacy:cancel" or turn.intent == "deny":
            return Outcome.DONE
        return Outcome.PASS  # something else entirely: answer it as usual

    async def reprompt(self, turn: Turn) -> None:
        return None

    async def _opt_out(self, turn: Turn) -> None:
        contact = turn.contact
        contact.marketing_opt_out = True
        await turn.uow.consents.record(
            contact.id,
            purpose=_PURPOSE,
            text_shown=turn.text or turn.payload or "",
            granted=False,
            channel=turn.conversation.channel,
        )
        await turn.uow.tasks.cancel(dedupe_prefix=f"contact:{contact.id}:")
