"""#16: booking knows who it books — the details booking.yaml ``require``s are asked once a
slot is chosen, validated, kept on the contact, and never asked when already known.

The demo requires the default: a name, and an e-mail or a phone number.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.core.content import Content
from tests.dialogs.test_flow_booking import CITY, START, crm, slot_payloads
from tests.driver import Chat, text_of

LANGS = ["en", "zh"]
NAME = {"en": "Jo Smith", "zh": "周海燕"}
PHONE = {"en": "+1 617 555 0100", "zh": "13800138000"}
E164 = {"en": "+16175550100", "zh": "+8613800138000"}


async def pick_first_slot(chat: Chat, lang: str) -> list[str]:
    await chat.say(START[lang])
    await chat.say(CITY[lang])
    return [r.text for r in await chat.click(slot_payloads(chat)[0])]


@pytest.mark.parametrize("lang", LANGS)
async def test_name_and_email_asked_before_confirming(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    said = await pick_first_slot(chat, lang)
    assert said == [content.text("booking_ask_name", lang)]
    assert (await crm(db, clock)).follow_ups == []

    said = text_of(await chat.say(NAME[lang]))
    assert said == content.text("booking_ask_email_or_phone", lang)

    said = text_of(await chat.say("12ab"))  # neither an address nor a number
    reason = content.text("booking_invalid_email_or_phone", lang)
    assert said == content.text("lead_invalid", lang, reason=reason)

    said = text_of(await chat.say("Jo@Example.com"))
    assert said.startswith(content.text("booking_confirmed", lang, rep="", when="")[:4])
    rows = await crm(db, clock)
    assert len(rows.follow_ups) == 1
    contact = rows.contacts[0]
    assert (contact.name, contact.email) == (NAME[lang], "jo@example.com")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_channels_display_name_is_used_and_a_phone_is_enough(
    new_chat: Callable[..., Chat], db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    chat = new_chat(display_name="Jo Telegram")
    said = await pick_first_slot(chat, lang)
    assert said == [content.text("booking_ask_email_or_phone", lang)]

    await chat.say(PHONE[lang])

    rows = await crm(db, clock)
    assert len(rows.follow_ups) == 1
    assert (rows.contacts[0].name, rows.contacts[0].phone) == ("Jo Telegram", E164[lang])


async def test_a_known_customer_is_not_asked_again(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await pick_first_slot(chat, "en")
    await chat.say("Jo Smith")
    await chat.say("jo@example.com")
    await chat.say("cancel my call")
    await chat.click("book:cancel_yes:1")

    await chat.say(START["en"])  # the zone is known too: slots straight away
    said = text_of(await chat.click(slot_payloads(chat)[0]))

    assert content.text("booking_ask_name", "en") not in said
    assert said.startswith("You're booked!")


async def test_saying_stop_while_asked_for_details_books_nothing(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await pick_first_slot(chat, "en")
    await chat.say("stop")

    rows = await crm(db, clock)
    assert rows.follow_ups == []
    assert rows.contacts[0].name is None
