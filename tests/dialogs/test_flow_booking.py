"""Booking a follow-up call, conversation level, in English and Chinese, on both stores.

The clock stands at Monday 2 March 2026, 15:00 UTC. Demo reps (ids in config order): 1 Maya
(Shanghai, zh+en), 2 Lena (Berlin, en), 3 Daniel (New York, en), 4 Kevin (Los Angeles, en+zh).
Bookings need two hours' notice, calls last 30 minutes, reminders go 24 h and 15 min before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Contact, FollowUp, Lead, ScheduledTask
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.flows.booking import details
from dialogs.flows.booking.calendar import Calendars
from tests.driver import Chat, text_of

LANGS = ["en", "zh"]
START = {"en": "I'd like to book a call", "zh": "我想预约通话"}
CITY = {"en": "London", "zh": "上海"}
ZONE = {"en": "Europe/London", "zh": "Asia/Shanghai"}
RESCHEDULE = {"en": "reschedule my call", "zh": "改期"}
CANCEL = {"en": "cancel my call", "zh": "取消通话"}
UNCLEAR = {"en": "purple monkey", "zh": "紫色的猴子"}
QUESTION = {"en": "how much is the Cam 4K?", "zh": "Cam 4K 多少钱"}
KEVIN, DANIEL, MAYA, LENA = 4, 3, 1, 2
NAMES = {MAYA: "Maya Chen", LENA: "Lena Hoffmann", DANIEL: "Daniel Brooks", KEVIN: "Kevin Liu"}


@pytest.fixture(autouse=True)
def details_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about times and calls: the customer's contact details count as known
    (asking for them is tested in test_booking_details.py)."""
    monkeypatch.setattr(details, "missing", lambda turn: None)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def t(content: Content, key: str, lang: str, **values: Any) -> str:
    return content.text(key, lang, **values)


@dataclass
class Crm:
    contacts: list[Contact]
    leads: list[Lead]
    follow_ups: list[FollowUp]
    tasks: list[ScheduledTask]

    def reminders(self, state: str = "pending") -> list[tuple[datetime, int]]:
        return sorted(
            (task.due_at, task.payload["offset_minutes"])
            for task in self.tasks
            if task.kind == "followup.reminder" and task.state == state
        )

    def active(self) -> list[FollowUp]:
        return [f for f in self.follow_ups if f.status in ("booked", "rescheduled")]


async def crm(db: Database, clock: FakeClock) -> Crm:
    async with UnitOfWork(db, clock) as uow:
        scalars = uow.session.scalars
        return Crm(
            list((await scalars(select(Contact).order_by(Contact.id))).all()),
            list((await scalars(select(Lead).order_by(Lead.id))).all()),
            list((await scalars(select(FollowUp).order_by(FollowUp.id))).all()),
            list((await scalars(select(ScheduledTask).order_by(ScheduledTask.id))).all()),
        )


def slot_payloads(chat: Chat) -> list[str]:
    return [p for p in chat.payloads() if p.startswith("book:slot:")]


def slot_of(payload: str) -> tuple[int, datetime]:
    _, _, rep, moment = payload.split(":")
    return int(rep), datetime.fromtimestamp(int(moment), UTC)


async def offered(chat: Chat, lang: str) -> list[str]:
    """Start a booking, answer the time zone question; the slot payloads offered."""
    await chat.say(START[lang])
    await chat.say(CITY[lang])
    return slot_payloads(chat)


def assert_no_overlaps(follow_ups: list[FollowUp]) -> None:
    active = [f for f in follow_ups if f.status in ("booked", "rescheduled")]
    for a in active:
        for b in active:
            if a.id < b.id and a.rep_id == b.rep_id:
                assert a.ends_at <= b.starts_at or b.ends_at <= a.starts_at, (a.id, b.id)


# ── ask the zone, offer slots, click, confirmed ───────────────────────────
FIRST_SLOT = {
    # 17:00 UTC is the first time after two hours' notice: 09:00 for Kevin in Los Angeles.
    "en": (KEVIN, utc(2026, 3, 2, 17, 0), "Mon 2 Mar, 17:00"),
    # It is 23:00 in Shanghai: the first daytime slot is 08:00 there, 16:00 in Los Angeles.
    "zh": (KEVIN, utc(2026, 3, 3, 0, 0), "3月3日 周二 08:00"),
}
# "Another time" offers the day after the last slot shown, from 08:00 for the customer. In
# London that is 08:00 UTC, when Maya (rep 1, speaks English) still works in Shanghai.
LATER = {
    "en": [
        (MAYA, utc(2026, 3, 3, 8, 0), "Tue 3 Mar, 08:00"),
        (MAYA, utc(2026, 3, 4, 8, 0), "Wed 4 Mar, 08:00"),
    ],
    "zh": [(KEVIN, utc(2026, 3, 4, 0, 0), "3月4日 周三 08:00")],
}
LATER_WHEN = {
    "en": "Wed 04 Mar 2026, 08:00 (Europe/London)",
    "zh": "3月4日（周三）08:00（Asia/Shanghai）",
}


async def book_later(chat: Chat, lang: str) -> None:
    """Ask for another time until the first slot is more than a day ahead, and take it."""
    for _ in LATER[lang]:
        await chat.click("book:more")
    await chat.click(chat.payloads()[0])


@pytest.mark.parametrize("lang", LANGS)
async def test_ask_zone_offer_slots_click_and_confirm(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    replies = await chat.say(START[lang])
    assert text_of(replies) == (
        f"{t(content, 'booking_start', lang)}\n{t(content, 'booking_ask_timezone', lang)}"
    )
    assert chat.payloads() == []

    assert text_of(await chat.say("Narnia")) == t(content, "booking_invalid_timezone", lang)

    replies = await chat.say(CITY[lang])
    assert [r.text for r in replies] == [
        t(content, "booking_zone_set", lang, zone=ZONE[lang]),
        t(content, "booking_offer_slots", lang),
    ]
    rep, start, title = FIRST_SLOT[lang]
    assert len(slot_payloads(chat)) == content.booking.slots_offered == 3
    assert chat.buttons()[0].title == title
    assert chat.payloads()[0] == f"book:slot:{rep}:{stamp(start)}"
    assert chat.payloads()[-1] == "book:more"
    assert all(len(p.encode()) < 64 for p in chat.payloads())

    for rep, start, title in LATER[lang]:
        replies = await chat.click("book:more")
        assert text_of(replies) == t(content, "booking_ask_time", lang)
        assert chat.buttons()[0].title == title
        assert chat.payloads()[0] == f"book:slot:{rep}:{stamp(start)}"

    replies = await chat.click(chat.payloads()[0])

    when = LATER_WHEN[lang]
    assert text_of(replies) == t(content, "booking_confirmed", lang, rep=NAMES[rep], when=when)
    assert chat.payloads() == ["book:reschedule", "book:cancel"]
    rows = await crm(db, clock)
    contact = rows.contacts[0]
    assert contact.timezone == ZONE[lang]
    [call] = rows.follow_ups
    assert (call.rep_id, call.starts_at, call.ends_at) == (
        rep,
        start,
        start + timedelta(minutes=30),
    )
    assert (call.status, call.customer_timezone) == ("booked", ZONE[lang])
    [lead] = rows.leads
    assert (lead.contact_id, lead.status, lead.owner_rep_id) == (contact.id, "meeting_booked", rep)
    assert call.lead_id == lead.id
    assert rows.reminders() == [
        (start - timedelta(days=1), 1440),
        (start - timedelta(minutes=15), 15),
    ]
    keys = sorted(task.dedupe_key for task in rows.tasks)
    assert keys == [
        f"contact:{contact.id}:followup:{call.id}:reminder:1440",
        f"contact:{contact.id}:followup:{call.id}:reminder:15",
    ]
    assert all(task.payload["follow_up_id"] == call.id for task in rows.tasks)


async def test_the_first_offered_slot_books_with_only_the_reminder_still_ahead(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    first = (await offered(chat, "en"))[0]
    assert first == f"book:slot:{KEVIN}:{stamp(utc(2026, 3, 2, 17, 0))}"
    await chat.click(first)
    rows = await crm(db, clock)
    # 24 hours before 17:00 today is already past: only the 15-minute reminder is due.
    assert rows.reminders() == [(utc(2026, 3, 2, 16, 45), 15)]
    assert rows.leads[0].status == "meeting_booked"


# ── typed times ───────────────────────────────────────────────────────────
TYPED = {
    # 15:00 in New York is 20:00 UTC: Daniel works then (Maya and Lena do not).
    "en": ("New York", "tomorrow at 3pm", DANIEL, utc(2026, 3, 3, 20, 0), "America/New_York"),
    # 15:00 in Shanghai is 07:00 UTC: Maya speaks Chinese and works then.
    "zh": ("上海", "明天下午三点", MAYA, utc(2026, 3, 3, 7, 0), "Asia/Shanghai"),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_typed_time_in_the_customers_zone_is_booked(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    city, typed, rep, start, zone = TYPED[lang]
    await chat.say(START[lang])
    await chat.say(city)

    replies = await chat.say(typed)

    rows = await crm(db, clock)
    [call] = rows.follow_ups
    assert (call.rep_id, call.starts_at, call.customer_timezone) == (rep, start, zone)
    when = (
        "Tue 03 Mar 2026, 15:00 (America/New_York)"
        if lang == "en"
        else "3月3日（周二）15:00（Asia/Shanghai）"
    )
    assert text_of(replies) == t(content, "booking_confirmed", lang, rep=NAMES[rep], when=when)
    expected = [(start - timedelta(minutes=15), 15)]
    if start - timedelta(days=1) > clock.now():
        expected.insert(0, (start - timedelta(days=1), 1440))
    assert rows.reminders() == expected


@pytest.mark.parametrize("lang", LANGS)
async def test_a_time_said_before_the_zone_is_used_once_the_zone_is_known(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    city, typed, rep, start, _ = TYPED[lang]
    await chat.say(START[lang])
    replies = await chat.say(typed)
    assert text_of(replies) == t(content, "booking_ask_timezone", lang)

    await chat.say(city)

    [call] = (await crm(db, clock)).follow_ups
    assert (call.rep_id, call.starts_at) == (rep, start)


REQUEST_WITH_TIME = {"en": "book a call tomorrow at 3pm", "zh": "预约明天下午三点的通话"}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_time_in_the_booking_request_itself_is_used(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    city, _, rep, start, _ = TYPED[lang]
    replies = await chat.say(REQUEST_WITH_TIME[lang])
    assert replies[-1].text.endswith(t(content, "booking_ask_timezone", lang))

    await chat.say(city)

    [call] = (await crm(db, clock)).follow_ups
    assert (call.rep_id, call.starts_at) == (rep, start)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_time_outside_working_hours_gets_the_nearest_free_slots(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await offered(chat, lang)
    # Saturday: nobody works at the weekend.
    replies = await chat.say("Saturday at 10am" if lang == "en" else "周六上午十点")

    assert text_of(replies) == t(content, "booking_time_unavailable", lang)
    assert len(slot_payloads(chat)) == 3
    assert (await crm(db, clock)).follow_ups == []
    await chat.click(slot_payloads(chat)[0])
    assert len((await crm(db, clock)).follow_ups) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_a_day_without_a_time_offers_that_days_slots(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await offered(chat, lang)
    replies = await chat.say("Wednesday afternoon" if lang == "en" else "周三下午")
    assert text_of(replies) == t(content, "booking_offer_slots", lang)
    zone = ZONE[lang]
    for payload in slot_payloads(chat):
        local = slot_of(payload)[1].astimezone(ZoneInfo(zone))
        assert (local.weekday(), 12 <= local.hour < 18) == (2, True)


# ── never double-booked ───────────────────────────────────────────────────
@pytest.mark.parametrize("lang", LANGS)
async def test_a_slot_taken_meanwhile_is_refused_with_alternatives(
    new_chat: Callable[..., Chat], db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    alice, bob = new_chat(chat_id="alice"), new_chat(chat_id="bob")
    first = (await offered(alice, lang))[0]
    assert (await offered(bob, lang))[0] == first
    await bob.click(first)

    replies = await alice.click(first)

    assert text_of(replies) == t(content, "booking_slot_taken", lang)
    assert first not in alice.payloads() and len(slot_payloads(alice)) == 3
    rows = await crm(db, clock)
    assert len(rows.follow_ups) == 1 and len(rows.leads) == 1  # Bob's
    await alice.click(slot_payloads(alice)[0])
    rows = await crm(db, clock)
    assert len(rows.active()) == 2
    assert_no_overlaps(rows.follow_ups)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_race_lost_at_the_database_offers_fresh_slots(
    new_chat: Callable[..., Chat],
    db: Database,
    clock: FakeClock,
    content: Content,
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = new_chat(chat_id="alice"), new_chat(chat_id="bob")
    first = (await offered(alice, lang))[0]
    await offered(bob, lang)
    await bob.click(first)
    # Alice's check ran before Bob's commit: only the database can refuse her now.
    monkeypatch.setattr(Calendars, "can_take", lambda self, rep_id, start: True)

    replies = await alice.click(first)

    assert text_of(replies) == t(content, "booking_slot_taken", lang)
    assert first not in alice.payloads()
    rows = await crm(db, clock)
    assert len(rows.follow_ups) == 1
    assert len(rows.leads) == 1  # no empty lead left behind for Alice
    assert len(rows.reminders()) == 1  # Bob's 15-minute reminder only


FIRST_WHEN = {
    "en": "Mon 02 Mar 2026, 17:00 (Europe/London)",
    "zh": "3月3日（周二）08:00（Asia/Shanghai）",
}


@pytest.mark.parametrize("lang", LANGS)
async def test_asking_to_book_again_points_to_the_booked_call(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.click((await offered(chat, lang))[0])

    replies = await chat.say(START[lang])

    rep = NAMES[FIRST_SLOT[lang][0]]
    expected = t(content, "booking_already_booked", lang, rep=rep, when=FIRST_WHEN[lang])
    assert text_of(replies) == expected
    assert chat.payloads() == ["book:reschedule", "book:cancel"]
    assert len((await crm(db, clock)).follow_ups) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_old_buttons_after_booking_never_book_twice(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    payloads = await offered(chat, lang)
    await chat.click(payloads[0])

    replies = await chat.click(payloads[1])

    rep = NAMES[FIRST_SLOT[lang][0]]
    expected = t(content, "booking_already_booked", lang, rep=rep, when=FIRST_WHEN[lang])
    assert text_of(replies) == expected
    assert len((await crm(db, clock)).follow_ups) == 1
    replies = await chat.click("book:cancel")  # the confirmation's button, later
    expected = t(content, "booking_cancel_confirm", lang, rep=rep, when=FIRST_WHEN[lang])
    assert text_of(replies) == expected


# ── reschedule and cancel ─────────────────────────────────────────────────
# Moving the Wednesday call: the same rep's earliest daytime slot is on Tuesday.
MOVED = {
    "en": (utc(2026, 3, 3, 8, 0), "Tue 03 Mar 2026, 08:00 (Europe/London)"),
    "zh": (utc(2026, 3, 3, 0, 0), "3月3日（周二）08:00（Asia/Shanghai）"),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_reschedule_moves_the_call_and_its_reminders(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await offered(chat, lang)
    await book_later(chat, lang)
    before = await crm(db, clock)
    [call] = before.follow_ups
    old_reminders = before.reminders()

    replies = await chat.say(RESCHEDULE[lang])

    rep = NAMES[call.rep_id]
    pick = t(content, "booking_reschedule_pick", lang, rep=rep, when=LATER_WHEN[lang])
    assert text_of(replies) == pick
    payloads = slot_payloads(chat)
    assert f"book:slot:{call.rep_id}:{stamp(call.starts_at)}" not in payloads
    assert {slot_of(p)[0] for p in payloads} == {call.rep_id}  # the same rep first
    new_start, new_when = MOVED[lang]
    assert slot_of(payloads[0])[1] == new_start

    replies = await chat.click(payloads[0])

    assert text_of(replies) == t(content, "booking_rescheduled", lang, when=new_when)
    rows = await crm(db, clock)
    [moved] = rows.follow_ups
    assert (moved.id, moved.status, moved.starts_at) == (call.id, "rescheduled", new_start)
    assert rows.reminders("cancelled") == old_reminders
    offsets = [
        offset for offset in (1440, 15) if new_start - timedelta(minutes=offset) > clock.now()
    ]
    assert 15 in offsets
    assert rows.reminders() == [(new_start - timedelta(minutes=o), o) for o in offsets]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_move_refused_by_the_database_keeps_the_call_as_it_was(
    chat: Chat,
    db: Database,
    clock: FakeClock,
    content: Content,
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await offered(chat, lang)
    await book_later(chat, lang)
    await chat.say(RESCHEDULE[lang])
    [call] = (await crm(db, clock)).follow_ups
    wanted = slot_of(slot_payloads(chat)[0])[1]
    async with UnitOfWork(db, clock) as uow:  # someone else's call takes the rep meanwhile
        other = await uow.contacts.create(name="Other customer")
        lead = await uow.leads.create(other.id, source_channel="webchat")
        await uow.follow_ups.book(
            lead_id=lead.id,
            rep_id=call.rep_id,
            starts_at=wanted,
            ends_at=wanted + timedelta(minutes=30),
            customer_timezone="UTC",
        )
    monkeypatch.setattr(Calendars, "can_take", lambda self, rep_id, start: True)

    replies = await chat.click(slot_payloads(chat)[0])

    assert text_of(replies) == t(content, "booking_slot_taken", lang)
    assert f"book:slot:{call.rep_id}:{stamp(wanted)}" not in chat.payloads()
    rows = await crm(db, clock)
    mine = next(f for f in rows.follow_ups if f.id == call.id)
    assert (mine.status, mine.starts_at) == ("booked", call.starts_at)
    assert len(rows.reminders()) == 2  # the call's reminders, untouched
    assert_no_overlaps(rows.follow_ups)


@pytest.mark.parametrize("lang", LANGS)
async def test_cancel_frees_the_slot_and_cancels_reminders(
    new_chat: Callable[..., Chat], db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    chat = new_chat(chat_id="carol")
    first = (await offered(chat, lang))[0]
    await chat.click(first)
    [call] = (await crm(db, clock)).follow_ups

    replies = await chat.say(CANCEL[lang])
    rep = NAMES[call.rep_id]
    expected = t(content, "booking_cancel_confirm", lang, rep=rep, when=FIRST_WHEN[lang])
    assert text_of(replies) == expected
    assert chat.payloads() == [f"book:cancel_yes:{call.id}", f"book:keep:{call.id}"]
    assert (await crm(db, clock)).follow_ups[0].status == "booked"

    replies = await chat.click(chat.payloads()[0])

    assert text_of(replies) == t(content, "booking_cancelled", lang)
    rows = await crm(db, clock)
    assert rows.follow_ups[0].status == "cancelled"
    assert rows.leads[0].status == "qualified"
    assert rows.reminders() == [] and len(rows.reminders("cancelled")) == 1
    other = new_chat(chat_id="dave")
    assert (await offered(other, lang))[0] == first  # the slot is free again


@pytest.mark.parametrize("lang", LANGS)
async def test_cancel_can_be_called_off(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.click((await offered(chat, lang))[0])
    await chat.say(CANCEL[lang])
    replies = await chat.say("no" if lang == "en" else "不用了")
    assert text_of(replies) == t(content, "booking_kept", lang, when=FIRST_WHEN[lang])
    rows = await crm(db, clock)
    assert rows.follow_ups[0].status == "booked" and len(rows.reminders()) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_nothing_to_reschedule_or_cancel(chat: Chat, content: Content, lang: str) -> None:
    for request in (RESCHEDULE[lang], CANCEL[lang]):
        replies = await chat.say(request)
        assert text_of(replies) == t(content, "booking_none_to_change", lang)
        assert chat.payloads() == ["book:start"]


# ── interruptions ─────────────────────────────────────────────────────────
@pytest.mark.parametrize("lang", LANGS)
async def test_an_unclear_time_is_asked_again(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    payloads = await offered(chat, lang)
    replies = await chat.say(UNCLEAR[lang])
    assert text_of(replies) == t(content, "booking_unclear_time", lang)
    assert slot_payloads(chat) == payloads
    await chat.say("2")  # a channel without buttons shows them numbered
    [call] = (await crm(db, clock)).follow_ups
    assert (call.rep_id, call.starts_at) == slot_of(payloads[1])


@pytest.mark.parametrize("lang", LANGS)
async def test_a_question_in_the_middle_is_answered_then_slots_offered_again(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    payloads = await offered(chat, lang)
    replies = await chat.say(QUESTION[lang])
    assert len(replies) >= 2
    assert "Cam 4K" in replies[0].text
    assert replies[-1].text == t(content, "booking_offer_slots", lang)
    assert slot_payloads(chat) == payloads
    await chat.click(payloads[0])
    assert len((await crm(db, clock)).follow_ups) == 1


# ── rep preference and zone changes ───────────────────────────────────────
async def test_the_leads_owner_is_offered_first(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("hello")
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.by_identity("webchat", chat.user_id)
        assert contact is not None
        lead = await uow.leads.create(contact.id, source_channel="webchat")
        lead.owner_rep_id = LENA
    payloads = await offered(chat, "en")
    # Lena (Berlin) has nothing after 17:00 UTC today; tomorrow from 08:00 London time.
    assert [slot_of(p) for p in payloads][0] == (LENA, utc(2026, 3, 3, 8, 0))
    assert {slot_of(p)[0] for p in payloads} == {LENA}


async def test_naming_another_city_while_choosing_changes_the_zone(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await offered(chat, "en")
    replies = await chat.say("Tokyo")
    assert replies[0].text == t(content, "booking_zone_set", "en", zone="Asia/Tokyo")
    for payload in slot_payloads(chat):
        hour = slot_of(payload)[1].astimezone(ZoneInfo("Asia/Tokyo")).hour
        assert 8 <= hour < 21
    assert (await crm(db, clock)).contacts[0].timezone == "Asia/Tokyo"


async def test_offering_slots_reads_every_reps_calls_in_one_query(chat: Chat, db: Database) -> None:
    # Regression: the calendar was loaded with one query per rep, and a customer's calls
    # with one per lead; a turn's cost grew with the sales team.
    reads: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "FROM follow_ups" in sql:
            reads.append(sql)

    await chat.say(START["en"])
    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await chat.say(CITY["en"])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert len(slot_payloads(chat)) >= 3
    assert len(reads) <= 2, reads  # the customer's booked calls, then all four reps' calls
