"""How booking looks to the customer: slot buttons, times in their zone, call messages."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crm_store.models import FollowUp
from dialogs.core.turn import Turn
from dialogs.core.types import Button
from dialogs.flows.booking import actions as act
from dialogs.flows.booking.slots import Slot
from dialogs.timing.format import format_local
from dialogs.timing.zones import zone_label

_ZH_WEEKDAYS = "一二三四五六日"
SLOT_PREFIX = "book:slot:"


def slot_title(moment: datetime, timezone: str, lang: str) -> str:
    """Short enough for a button: "Tue 3 Mar, 15:00" / "3月3日 周二 15:00"."""
    local = moment.astimezone(ZoneInfo(timezone))
    if lang == "zh":
        return f"{local.month}月{local.day}日 周{_ZH_WEEKDAYS[local.weekday()]} {local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def when_text(moment: datetime, timezone: str, lang: str) -> str:
    """The full local date and time with the zone, for confirmations."""
    return format_local(moment, timezone, lang).replace(timezone, zone_label(timezone))


def slot_payload(slot: Slot) -> str:
    # "book:slot:12:1772550000" stays far below Telegram's 64-byte callback limit.
    return f"{SLOT_PREFIX}{slot.rep_id}:{int(slot.start.timestamp())}"


def parse_slot_payload(payload: str) -> tuple[int, datetime] | None:
    rep, _, stamp = payload.removeprefix(SLOT_PREFIX).partition(":")
    if not (rep.isdigit() and stamp.isdigit()):
        return None
    return int(rep), datetime.fromtimestamp(int(stamp), UTC)


def slot_buttons(slots: list[Slot], timezone: str, lang: str) -> list[Button]:
    return [Button(slot_title(s.start, timezone, lang), slot_payload(s)) for s in slots]


def change_buttons(turn: Turn) -> list[Button]:
    return [
        turn.button("button_reschedule", "book:reschedule"),
        turn.button("button_cancel_call", "book:cancel"),
    ]


async def ask_cancel(turn: Turn, call: FollowUp) -> None:
    when = when_text(call.starts_at, act.display_zone(turn, call), turn.lang)
    rep = await act.rep_name(turn, call.rep_id)
    turn.say(
        turn.t("booking_cancel_confirm", rep=rep, when=when),
        [
            turn.button("button_cancel_call", f"book:cancel_yes:{call.id}"),
            turn.button("button_no", f"book:keep:{call.id}"),
        ],
    )


async def say_already_booked(turn: Turn, call: FollowUp) -> None:
    when = when_text(call.starts_at, act.display_zone(turn, call), turn.lang)
    rep = await act.rep_name(turn, call.rep_id)
    turn.say(turn.t("booking_already_booked", rep=rep, when=when), change_buttons(turn))
