"""Follow-up reminders at the right UTC instant, in each person's zone and language (#7).

Offsets are durations before the call's UTC instant. The clock starts on Monday 2 March
2026, 15:00 UTC; New York springs forward on 8 March, Berlin on 29 March, Shanghai never.
Nothing sleeps: the runner is called at chosen instants of a FakeClock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import Outbox
from crm_store.clock import FakeClock
from crm_store.database import Database
from tests.driver import RecordingAdapter
from tests.scheduler.support import (
    DANIEL,
    LENA,
    MAYA,
    book_call,
    make_runner,
    staff_outbox,
    staff_rows,
    tasks,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    name: str
    starts_at: datetime
    customer_zone: str
    lang: str
    rep_id: int
    customer_sees: str  # the call's local time in the customer's reminder
    rep_sees: str  # ... and in the rep's


CASES = [
    # After New York's change (EDT, UTC-4), before Berlin's (CET, UTC+1): the 24 h
    # reminder is due at 14:00 UTC on the day of the change, 10:00 in New York.
    Case("new-york-after-dst", utc(2026, 3, 9, 14, 0), "America/New_York", "en", LENA,
         "10:00", "15:00"),
    # The call is on the first day of Berlin summer time (CEST, UTC+2); the rep is in
    # Berlin, the customer in Shanghai (no DST): 07:00 UTC is 09:00 and 15:00.
    Case("berlin-dst-shanghai", utc(2026, 3, 30, 7, 0), "Asia/Shanghai", "zh", LENA,
         "15:00", "09:00"),
    # Customer in Berlin (still CET), rep in New York (already EDT).
    Case("berlin-customer-ny-rep", utc(2026, 3, 10, 15, 0), "Europe/Berlin", "en", DANIEL,
         "16:00", "11:00"),
    # A rep in Shanghai reads Chinese: her reminder is in her language and zone.
    Case("shanghai-rep", utc(2026, 3, 9, 2, 0), "America/New_York", "en", MAYA,
         "22:00", "10:00"),
]  # fmt: skip


@pytest.fixture
def webchat() -> RecordingAdapter:
    return RecordingAdapter("webchat")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_reminders_go_out_at_the_utc_instant_in_each_persons_zone(
    case: Case,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    webchat: RecordingAdapter,
) -> None:
    booked = await book_call(
        seeded_db,
        clock,
        rep_id=case.rep_id,
        starts_at=case.starts_at,
        zone=case.customer_zone,
        lang=case.lang,
    )
    outbox = Outbox(seeded_db, clock, {"webchat": webchat})
    runner = make_runner(seeded_db, clock, settings, content, outbox=outbox)
    staff, channel = staff_outbox(seeded_db, clock)

    reminders = await tasks(seeded_db, clock, "followup.reminder")
    due = [case.starts_at - timedelta(hours=24), case.starts_at - timedelta(minutes=15)]
    assert [t.due_at for t in reminders] == due

    for number, moment in enumerate(due, start=1):
        # A second early nothing goes out; at the instant, both people are reminded once.
        clock.set(moment - timedelta(seconds=1))
        assert (await runner.run_due()).ran == 0
        clock.set(moment)
        assert (await runner.run_due()).done == 1
        await staff.deliver_due()
        assert len(webchat.sent) == number and len(channel.sent) == number

    for sent in webchat.sent:
        assert sent.address == booked.address
        assert case.customer_sees in sent.reply.text
        expected = content.text("booking_reminder", case.lang, rep="X", when="Y")
        assert sent.reply.text.split(" ")[0] == expected.split(" ")[0]  # the customer's language
        assert [b.payload for b in sent.reply.buttons] == ["book:reschedule", "book:cancel"]
    rep_messages = await staff_rows(seeded_db, clock)
    assert [(m.target, m.rep_id, m.kind, m.state) for m in rep_messages] == [
        ("rep", case.rep_id, "reminder", "delivered")
    ] * 2
    for message in rep_messages:
        assert case.rep_sees in message.text
        assert message.content["conversation_id"] == booked.conversation_id
    if case.rep_id == MAYA:
        assert rep_messages[0].text.startswith("提醒")
    else:
        assert rep_messages[0].text.startswith("Reminder")
    clock.advance(days=30)
    assert (await runner.run_due()).kinds == ["followup.check"]  # and no reminder again
