"""E-mail with calendar invites, through a real SMTP server on 127.0.0.1 (#7).

The booking confirmation carries a METHOD:REQUEST invite that ``icalendar`` parses back
with the call's UTC times; a move keeps the UID and raises SEQUENCE; a cancellation sends
METHOD:CANCEL for the same UID. Reminders go by e-mail too, so a web chat visitor who left
the page (their chat delivery fails) still gets theirs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
from icalendar import Calendar

from bot.outbox import Outbox
from bot.scheduler.email import EmailOutbox, SmtpSender
from bot.settings.scheduler import EmailSettings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import FollowUp, FollowUpStatus
from crm_store.uow import UnitOfWork
from tests.driver import RecordingAdapter
from tests.scheduler.smtp_server import Inbox, smtp_inbox
from tests.scheduler.support import LENA, MAYA, book_call, consumer, email_rows, make_runner

START = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday; 09:00 in Berlin (first day of CEST)
SENDER = "Auralis Sales <sales@auralis.example>"


def mail_settings(inbox: Inbox) -> EmailSettings:
    return EmailSettings(
        enabled=True, server="127.0.0.1", port=inbox.port, starttls=False, sender=SENDER
    )


def invite(message: Message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    cal = Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(cal["METHOD"])
    [attachment] = [p for p in message.walk() if p.get_filename() == "invite.ics"]
    assert attachment.get_payload(decode=True) == part.get_payload(decode=True)
    return cal


def event_of(cal: Calendar) -> dict[str, object]:
    [event] = cal.walk("VEVENT")
    return {
        "method": str(cal["METHOD"]),
        "uid": str(event["UID"]),
        "sequence": int(event["SEQUENCE"]),
        "start": event["DTSTART"].dt,
        "end": event["DTEND"].dt,
        "status": str(event["STATUS"]),
    }


async def test_confirmation_move_and_cancel_carry_one_calendar_event(
    seeded_db: Database,
    clock: FakeClock,
    settings,
    content,  # noqa: ANN001
) -> None:
    db = seeded_db
    async with smtp_inbox() as inbox:
        mail = mail_settings(inbox)
        events = consumer(db, clock, settings, content, mail)
        outbox = EmailOutbox(db, clock, SmtpSender(mail))
        booked = await book_call(
            db, clock, rep_id=LENA, starts_at=START, zone="Europe/Berlin", email="ann@example.com"
        )
        await events.run_once()
        assert (await outbox.deliver_due()).delivered == 1

        [first] = inbox.messages()
        assert inbox.received[0].rcpt_tos == ["ann@example.com"]
        assert first["From"] == SENDER and first["To"] == "ann@example.com"
        assert first["Subject"].startswith("Your call with Auralis Meeting Systems")
        assert "09:00" in first["Subject"]  # Berlin summer time, not 08:00
        body = first.get_body(preferencelist=("plain",))
        assert "Lena Hoffmann" in body.get_content() and "09:00" in body.get_content()
        uid = f"followup-{booked.follow_up_id}@auralis.example"
        assert event_of(invite(first)) == {
            "method": "REQUEST",
            "uid": uid,
            "sequence": 0,
            "start": START,
            "end": START + timedelta(minutes=30),
            "status": "CONFIRMED",
        }

        moved = START + timedelta(days=1, hours=2)
        async with UnitOfWork(db, clock) as uow:
            call = await uow.follow_ups.get(booked.follow_up_id)
            await uow.follow_ups.reschedule(call, moved, moved + timedelta(minutes=30))
        await events.run_once()
        await outbox.deliver_due()
        second = inbox.messages()[1]
        assert "moved" in second["Subject"] and "11:00" in second["Subject"]
        assert event_of(invite(second)) == {
            "method": "REQUEST",
            "uid": uid,
            "sequence": 1,
            "start": moved,
            "end": moved + timedelta(minutes=30),
            "status": "CONFIRMED",
        }

        async with UnitOfWork(db, clock) as uow:
            call = await uow.session.get(FollowUp, booked.follow_up_id)
            await uow.follow_ups.set_status(call, FollowUpStatus.CANCELLED)
        await events.run_once()
        await events.run_once()  # re-reading recent events sends nothing twice
        await outbox.deliver_due()
        third = inbox.messages()[2]
        assert "cancelled" in third["Subject"]
        assert event_of(invite(third))["method"] == "CANCEL"
        assert event_of(invite(third))["uid"] == uid
        assert event_of(invite(third))["sequence"] == 2
        assert event_of(invite(third))["status"] == "CANCELLED"
        assert len(inbox.received) == 3
        # The retried send keeps its Message-ID, so a duplicate could be recognised.
        ids = [m["Message-ID"] for m in inbox.messages()]
        assert len(set(ids)) == 3 and all("@auralis.example>" in i for i in ids)


async def test_a_web_chat_visitor_who_left_gets_the_reminder_by_email_in_their_language(
    seeded_db: Database,
    clock: FakeClock,
    settings,
    content,  # noqa: ANN001
) -> None:
    db = seeded_db
    webchat = RecordingAdapter("webchat")
    webchat.fail_next(10)  # the visitor closed the tab: chat delivery keeps failing
    async with smtp_inbox() as inbox:
        mail = mail_settings(inbox)
        outbox = EmailOutbox(db, clock, SmtpSender(mail))
        runner = make_runner(
            db, clock, settings, content, outbox=Outbox(db, clock, {"webchat": webchat}), email=mail
        )
        await book_call(
            db, clock, rep_id=MAYA, starts_at=START, zone="Asia/Shanghai", lang="zh",
            email="wang@example.cn", name="王伟",
        )  # fmt: skip
        clock.set(START - timedelta(hours=24))
        assert (await runner.run_due()).done == 1
        await outbox.deliver_due()
        [message] = inbox.messages()
        assert message["Subject"].startswith("提醒")
        assert "15:00" in message["Subject"]  # 07:00 UTC in Shanghai
        assert message.get_content_type() == "text/plain"  # a reminder carries no invite
        assert webchat.sent == []


@pytest.mark.parametrize(("answer", "state"), [("451 4.3.0 Try again later", "delivered"),
                                               ("550 5.1.1 No such user", "failed")])  # fmt: skip
async def test_smtp_refusals_are_retried_only_when_temporary(
    seeded_db: Database,
    clock: FakeClock,
    settings,
    content,
    answer: str,
    state: str,  # noqa: ANN001
) -> None:
    db = seeded_db
    async with smtp_inbox() as inbox:
        mail = mail_settings(inbox)
        outbox = EmailOutbox(db, clock, SmtpSender(mail))
        await book_call(
            db, clock, rep_id=LENA, starts_at=START, zone="Europe/Berlin", email="ann@example.com"
        )
        await consumer(db, clock, settings, content, mail).run_once()
        inbox.refuse.append(answer)
        round_one = await outbox.deliver_due()
        assert (round_one.delivered, round_one.failed_attempts) == (0, 1)
        clock.advance(minutes=1)
        await outbox.deliver_due()
        [row] = await email_rows(db, clock)
        assert row.state == state
        assert len(inbox.received) == (1 if state == "delivered" else 0)
        assert row.last_error is None if state == "delivered" else "550" in row.last_error
