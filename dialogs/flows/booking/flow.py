"""Booking, moving and cancelling a follow-up call with a sales rep.

Steps: ``zone`` (the customer's time zone, asked once and kept on the contact; not asked
when the request names it), ``slots`` (free slots offered as buttons; a typed day and time
works too), ``details`` (the contact details booking.yaml ``require``s, asked once a slot is
chosen and only when the contact lacks them), ``confirm_cancel``. Slot
buttons carry the rep and the start, so a button from an earlier message still books
exactly what it showed — after checking again that it is free; the database refuses an
overlap as the last word (two customers taking one slot at the same moment).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from crm_store.errors import FollowUpOverlap
from crm_store.models import FollowUp
from dialogs.core.feedback import ask_for_feedback
from dialogs.core.flow import Outcome
from dialogs.core.turn import Turn
from dialogs.flows.booking import actions as act
from dialogs.flows.booking import details, view
from dialogs.flows.booking.calendar import Calendars
from dialogs.flows.booking.slots import Slot
from dialogs.flows.booking.view import SLOT_PREFIX, parse_slot_payload, slot_buttons, when_text
from dialogs.timing.parse import TimeRequest, parse_time
from dialogs.timing.zones import find_timezone, resolve_timezone, zone_label

ZONE, SLOTS, DETAILS, CONFIRM_CANCEL = "zone", "slots", "details", "confirm_cancel"
# Intents that end the booking: the manager routes them and nothing is re-asked after.
_LEAVING = frozenset({"stop", "forget_me", "talk_to_human", "goodbye", "deny"})
# Intents this flow answers itself; any other intent is a question to pass on.
_OWN = frozenset({None, "affirm", "book_call", "reschedule_call", "cancel_call"})
_MODES = {"reschedule_call": "reschedule", "cancel_call": "cancel"}
# Mid-flow, a short answer the classifier is unsure about ("Narnia" read as deny) is a failed
# answer to re-ask, not a reason to leave the booking.
_SURE = 0.9


class BookingFlow:
    name: ClassVar[str] = "booking"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        mode = options.get("mode", "book")
        calls = await act.upcoming(turn)
        if mode == "book" and calls:
            return await self._already_booked(turn, calls[0])
        if mode != "book" and not calls:
            return self._nothing_to_change(turn)
        if mode == "cancel":
            turn.state.enter(self.name, CONFIRM_CANCEL, fu=calls[0].id)
            await view.ask_cancel(turn, calls[0])
            return Outcome.CONTINUE
        if mode == "reschedule":
            call = calls[0]
            turn.state.enter(self.name, SLOTS, mode="reschedule", fu=call.id, rep=call.rep_id)
            if act.contact_zone(turn) is None:  # the call knows the zone it was booked in
                turn.contact.timezone = call.customer_timezone
            when = when_text(call.starts_at, act.display_zone(turn, call), turn.lang)
            rep = await act.rep_name(turn, call.rep_id)
            return await self._offer(turn, turn.t("booking_reschedule_pick", rep=rep, when=when))
        turn.state.enter(self.name, SLOTS, mode="book")
        # "Book a call, 3pm London time": a zone named in the request is not asked for.
        named = find_timezone(turn.text) if turn.text else None
        if named is not None:
            turn.contact.timezone = named
        intro, zone = turn.t("booking_start"), act.contact_zone(turn)
        # "Book a call tomorrow at 3pm": the time in the request is not asked for again.
        said = turn.text if turn.text and parse_time(turn.text, "UTC", act.now(turn)) else None
        if zone is None:
            turn.state.step = ZONE
            if said:
                turn.state.data["pending"] = said
            turn.say(f"{intro}\n{turn.t('booking_ask_timezone')}")
            return Outcome.CONTINUE
        request = parse_time(said, zone, act.now(turn)) if said else None
        if request is not None:
            return await self._requested(turn, request)
        return await self._offer(turn, f"{intro}\n{turn.t('booking_offer_slots')}")

    async def handle(self, turn: Turn) -> Outcome:
        payload = turn.payload or ""
        if turn.state.flow != self.name:
            return await self._stale_button(turn, payload)
        if payload.startswith("book:"):
            return await self._button(turn, payload)
        if payload:
            return Outcome.PASS  # another flow's button (a product, an FAQ)
        if turn.state.step == ZONE:
            return await self._zone_answer(turn)
        if turn.state.step == CONFIRM_CANCEL:
            return await self._cancel_answer(turn)
        if turn.state.step == DETAILS:
            return await self._details_answer(turn)
        return await self._slots_answer(turn)

    async def reprompt(self, turn: Turn) -> None:
        if turn.state.step == ZONE:
            turn.say(turn.t("booking_ask_timezone"))
        elif turn.state.step == CONFIRM_CANCEL:
            call = await act.own_call(turn, turn.state.data.get("fu"))
            if call is not None:
                await view.ask_cancel(turn, call)
        elif turn.state.step == DETAILS and (need := details.missing(turn)):
            details.ask(turn, need)
        else:
            await self._offer(turn, turn.t("booking_offer_slots"))

    # ── answers ──────────────────────────────────────────────────────────────

    async def _zone_answer(self, turn: Turn) -> Outcome:
        zone = find_timezone(turn.text)
        if zone is not None:
            if parse_time(turn.text, zone, act.now(turn)) is not None:
                turn.state.data["pending"] = turn.text  # "Friday 3pm London time"
            return await self._set_zone(turn, zone)
        if parse_time(turn.text, "UTC", act.now(turn)) is not None:
            # A time before the zone is known: kept, and read once the zone is given.
            turn.state.data["pending"] = turn.text
            turn.say(turn.t("booking_ask_timezone"))
            return Outcome.CONTINUE
        outcome = await self._by_intent(turn)
        if outcome is None:
            turn.say(turn.t("booking_invalid_timezone"))
            return Outcome.CONTINUE
        return outcome

    async def _slots_answer(self, turn: Turn) -> Outcome:
        text = turn.text.strip()
        offered = turn.state.data.get("offered", [])
        if text.isdigit() and 1 <= int(text) <= len(offered) + 1:
            # Channels without buttons number them; the last one is "another time".
            if int(text) > len(offered):
                return await self._offer_later(turn)
            rep_id, stamp = offered[int(text) - 1]
            return await self._take(turn, rep_id, datetime.fromtimestamp(stamp, UTC))
        request = parse_time(text, act.display_zone(turn), act.now(turn)) if text else None
        if request is not None:
            return await self._requested(turn, request)
        zone = resolve_timezone(text) if text else None
        if zone is not None:  # "actually I'm in Berlin"
            return await self._set_zone(turn, zone)
        outcome = await self._by_intent(turn)
        if outcome is None:
            return await self._offer(turn, turn.t("booking_unclear_time"))
        return outcome

    async def _details_answer(self, turn: Turn) -> Outcome:
        need, chosen = details.missing(turn), turn.state.data.get("chosen")
        if need is None or not chosen:
            return await self._take_chosen(turn)
        text = turn.text.strip()
        field, result = details.checked(turn, need, text)
        # A valid address or number is the answer whatever the classifier read ("my e-mail
        # is ..."); but any text passes as a name, so leaving words and questions come first.
        if not result.ok or need == details.NAME:
            intent = turn.intent if turn.nlu.confidence >= _SURE else None
            if intent in _LEAVING or intent in _MODES or intent == "cancel":
                return await self._by_intent(turn) or Outcome.CONTINUE
            if text.endswith(("?", "？")):
                return Outcome.PASS  # answered by the manager, then asked again
        if not result.ok:
            reason = turn.t(result.reason or "lead_invalid_text", **result.reason_values)
            turn.say(turn.t("lead_invalid", reason=reason))
            return Outcome.CONTINUE
        await details.store(turn, field, result.value)
        return await self._take_chosen(turn)

    async def _take_chosen(self, turn: Turn) -> Outcome:
        """The slot chosen before the details were asked; it is checked again on taking."""
        chosen = turn.state.data.get("chosen")
        if not chosen:
            return await self._offer(turn, turn.t("booking_offer_slots"))
        return await self._take(turn, int(chosen[0]), datetime.fromtimestamp(chosen[1], UTC))

    async def _cancel_answer(self, turn: Turn) -> Outcome:
        # "Cancel your call?" - "cancel": about this call, so a yes.
        if turn.intent in ("affirm", "cancel"):
            return await self._cancel(turn, turn.state.data.get("fu"))
        if turn.intent == "deny":
            return await self._keep(turn, turn.state.data.get("fu"))
        turn.state.leave()  # something else entirely: answer it; the call stays booked
        return Outcome.PASS

    async def _by_intent(self, turn: Turn) -> Outcome | None:
        """A message that is neither a time nor a zone; None: not understood."""
        intent = turn.intent if turn.nlu.confidence >= _SURE else None
        if intent == "book_call":
            await self.reprompt(turn)
            return Outcome.CONTINUE
        if intent in _MODES:
            return await self.start(turn, mode=_MODES[intent])
        if intent == "cancel":
            return await self._cancel_intent(turn)
        if intent in _LEAVING:
            turn.state.leave()
            return Outcome.PASS
        if intent not in _OWN:
            return Outcome.PASS  # a question in the middle: answered, then re-offered
        return None

    async def _cancel_intent(self, turn: Turn) -> Outcome:
        """A bare "cancel": the call's cancellation only when the conversation is about a
        booked call (moving it); while a new call is being booked, stop booking."""
        if turn.state.data.get("mode") == "reschedule":
            return await self.start(turn, mode="cancel")  # asks before cancelling anything
        turn.state.leave()
        turn.say(turn.t("booking_stopped"))
        return Outcome.DONE

    async def _button(self, turn: Turn, payload: str) -> Outcome:
        if payload.startswith(SLOT_PREFIX):
            parsed = parse_slot_payload(payload)
            if parsed is None:
                await self.reprompt(turn)
                return Outcome.CONTINUE
            return await self._take(turn, *parsed)
        action, _, arg = payload.removeprefix("book:").partition(":")
        call_id = int(arg) if arg.isdigit() else None
        if action == "more":
            return await self._offer_later(turn)
        if action in ("reschedule", "cancel"):
            return await self.start(turn, mode=action)
        if action == "cancel_yes":
            return await self._cancel(turn, call_id)
        if action == "keep":
            return await self._keep(turn, call_id)
        await self.reprompt(turn)
        return Outcome.CONTINUE

    async def _stale_button(self, turn: Turn, payload: str) -> Outcome:
        """A booking button pressed after the flow ended (a confirmation's or an old offer's)."""
        if payload.startswith((SLOT_PREFIX, "book:cancel_yes", "book:keep")):
            turn.state.enter(self.name, SLOTS, mode="book")
            return await self._button(turn, payload)
        action = payload.removeprefix("book:").partition(":")[0]
        return await self.start(turn, mode=action if action in ("reschedule", "cancel") else "book")

    # ── offers ───────────────────────────────────────────────────────────────

    async def _set_zone(self, turn: Turn, zone: str) -> Outcome:
        turn.contact.timezone = zone
        turn.state.step = SLOTS
        turn.say(turn.t("booking_zone_set", zone=zone_label(zone)))
        pending = turn.state.data.pop("pending", None)
        request = parse_time(pending, zone, act.now(turn)) if pending else None
        if request is not None:
            return await self._requested(turn, request)
        return await self._offer(turn, turn.t("booking_offer_slots"))

    async def _offer(
        self,
        turn: Turn,
        text: str,
        slots: list[Slot] | None = None,
        calendars: Calendars | None = None,
    ) -> Outcome:
        if slots is None:
            calendars = calendars or await act.calendars(turn)
            slots = calendars.offer(
                turn.content.booking.slots_offered, customer_zone=act.display_zone(turn)
            )
        if not slots:
            turn.state.leave()
            handoff = turn.button("button_talk_to_sales", "handoff:request")
            turn.say(turn.t("booking_no_slots"), [handoff])
            return Outcome.DONE
        turn.state.step = SLOTS
        turn.state.data["offered"] = [[s.rep_id, int(s.start.timestamp())] for s in slots]
        buttons = slot_buttons(slots, act.display_zone(turn), turn.lang)
        turn.say(text, [*buttons, turn.button("button_other_time", "book:more")])
        return Outcome.CONTINUE

    async def _offer_later(self, turn: Turn) -> Outcome:
        """On "another time": slots from the day after the last one offered; or type one."""
        offered = turn.state.data.get("offered") or []
        calendars = await act.calendars(turn)
        limit = turn.content.booking.slots_offered
        slots: list[Slot] = []
        if offered:
            zone = ZoneInfo(act.display_zone(turn))
            last = datetime.fromtimestamp(max(stamp for _, stamp in offered), zone)
            next_day = last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
            slots = calendars.offer(limit, start=next_day, customer_zone=zone.key)
        return await self._offer(turn, turn.t("booking_ask_time"), slots or None, calendars)

    async def _requested(self, turn: Turn, request: TimeRequest) -> Outcome:
        calendars = await act.calendars(turn)
        limit = turn.content.booking.slots_offered
        zone = act.display_zone(turn)
        if request.exact:
            rep_id = calendars.rep_free_at(request.start)
            if rep_id is not None:
                return await self._take(turn, rep_id, request.start, calendars)
        else:
            slots = calendars.offer(limit, start=request.start, end=request.end, customer_zone=zone)
            if slots:
                return await self._offer(turn, turn.t("booking_offer_slots"), slots)
        nearest = calendars.nearest(request.start, limit, customer_zone=zone)
        return await self._offer(turn, turn.t("booking_time_unavailable"), nearest)

    # ── writing ──────────────────────────────────────────────────────────────

    async def _take(
        self, turn: Turn, rep_id: int, start: datetime, calendars: Calendars | None = None
    ) -> Outcome:
        data = turn.state.data
        moving = None
        if data.get("mode") == "reschedule":
            moving = await act.own_call(turn, data.get("fu"))
        if moving is None:
            calls = await act.upcoming(turn)
            if calls:  # an old offer's button must not book a second call
                return await self._already_booked(turn, calls[0])
        calendars = calendars or await act.calendars(turn)
        if not calendars.can_take(rep_id, start):
            return await self._offer(turn, turn.t("booking_slot_taken"), calendars=calendars)
        need = details.missing(turn) if moving is None else None
        if need is not None:  # a moved call's customer was known when it was booked
            turn.state.step = DETAILS
            turn.state.data["chosen"] = [rep_id, int(start.timestamp())]
            details.ask(turn, need)
            return Outcome.CONTINUE
        zone = act.display_zone(turn)
        end = start + calendars.rules.length
        try:
            if moving is not None:
                call = await act.move(turn, moving, rep_id, start, end, zone)
            else:
                call = await act.book(turn, rep_id, start, end, zone)
        except FollowUpOverlap:
            return await self._offer(turn, turn.t("booking_slot_taken"))
        when = when_text(call.starts_at, zone, turn.lang)
        turn.state.leave()
        if moving is not None:
            text = turn.t("booking_rescheduled", when=when)
        else:
            text = turn.t("booking_confirmed", rep=calendars.names.get(rep_id, ""), when=when)
        turn.say(text, view.change_buttons(turn))
        if moving is None:  # a new call, not a moved one: rated once, when it is booked
            ask_for_feedback(turn, "booking", f"booking:{call.id}")
        return Outcome.DONE

    async def _cancel(self, turn: Turn, call_id: int | None) -> Outcome:
        call = await act.own_call(turn, call_id)
        if call is None:
            return self._nothing_to_change(turn)
        await act.cancel(turn, call)
        turn.state.leave()
        turn.say(turn.t("booking_cancelled"), [turn.button("button_book_call", "book:start")])
        return Outcome.DONE

    async def _keep(self, turn: Turn, call_id: int | None) -> Outcome:
        call = await act.own_call(turn, call_id)
        turn.state.leave()
        if call is not None:
            when = when_text(call.starts_at, act.display_zone(turn, call), turn.lang)
            turn.say(turn.t("booking_kept", when=when))
        return Outcome.DONE

    @staticmethod
    async def _already_booked(turn: Turn, call: FollowUp) -> Outcome:
        turn.state.leave()
        await view.say_already_booked(turn, call)
        return Outcome.DONE

    @staticmethod
    def _nothing_to_change(turn: Turn) -> Outcome:
        turn.state.leave()
        turn.say(turn.t("booking_none_to_change"), [turn.button("button_book_call", "book:start")])
        return Outcome.DONE
