"""Free slots: working hours in the rep's zone, notice, buffers, horizon, DST, preference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dialogs.flows.booking.slots import (
    RepCalendar,
    SlotRules,
    free_slots,
    is_free,
    nearest_slots,
    rep_slots,
)
from dialogs.timing.availability import Interval

WEEKDAYS_9_TO_5 = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
NO_NOTICE = SlotRules(slot_minutes=30, min_notice_minutes=0, buffer_minutes=10, horizon_days=14)
# Monday 2 March 2026, 06:00 UTC: 07:00 in Berlin, 01:00 in New York, 14:00 in Shanghai.
MONDAY_EARLY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def cal(zone: str, rep_id: int = 1, hours: dict | None = None, busy=()) -> RepCalendar:
    return RepCalendar(rep_id, zone, hours or WEEKDAYS_9_TO_5, tuple(busy))


def local_times(slots, zone: str) -> list[str]:
    return [s.start.astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for s in slots]


def test_slots_follow_each_reps_own_working_hours() -> None:
    now = MONDAY_EARLY
    berlin = free_slots([cal("Europe/Berlin")], NO_NOTICE, now, limit=1)
    new_york = free_slots([cal("America/New_York")], NO_NOTICE, now, limit=1)
    shanghai = free_slots([cal("Asia/Shanghai")], NO_NOTICE, now, limit=1)
    assert berlin[0].start == utc(2026, 3, 2, 8, 0)  # 09:00 CET
    assert new_york[0].start == utc(2026, 3, 2, 14, 0)  # 09:00 EST
    assert shanghai[0].start == utc(2026, 3, 2, 6, 0)  # 14:00 in Shanghai, now
    assert berlin[0].end - berlin[0].start == timedelta(minutes=30)


def test_a_day_has_every_half_hour_inside_the_hours_and_nothing_outside() -> None:
    day = list(rep_slots(cal("Europe/Berlin"), NO_NOTICE, MONDAY_EARLY, end=utc(2026, 3, 2, 23, 0)))
    times = local_times(day, "Europe/Berlin")
    assert times[0] == "Mon 09:00" and times[-1] == "Mon 16:30"
    assert len(times) == 16  # 09:00 .. 16:30, a call must end by 17:00


def test_minimum_notice_and_grid_alignment() -> None:
    now = utc(2026, 3, 2, 9, 7)  # 10:07 in Berlin
    two_hours = SlotRules(min_notice_minutes=120, buffer_minutes=0)
    first = free_slots([cal("Europe/Berlin")], two_hours, now, limit=1)[0]
    assert first.start == utc(2026, 3, 2, 11, 30)  # 12:07 Berlin rounds up to 12:30
    exact = SlotRules(min_notice_minutes=113, buffer_minutes=0)  # earliest 12:00 Berlin
    assert free_slots([cal("Europe/Berlin")], exact, now, limit=1)[0].start == utc(
        2026, 3, 2, 11, 0
    )


def test_grid_counts_from_local_midnight_for_odd_opening_times() -> None:
    hours = {"mon": ["08:30-10:00"]}
    slots = free_slots([cal("Europe/Berlin", hours=hours)], NO_NOTICE, MONDAY_EARLY, end=TUESDAY)
    assert local_times(slots, "Europe/Berlin") == ["Mon 08:30", "Mon 09:00", "Mon 09:30"]
    hourly = SlotRules(slot_minutes=60, min_notice_minutes=0, buffer_minutes=0)
    slots = free_slots([cal("Europe/Berlin", hours=hours)], hourly, MONDAY_EARLY, end=TUESDAY)
    assert local_times(slots, "Europe/Berlin") == ["Mon 09:00"]


def test_calls_do_not_straddle_a_lunch_break_but_touching_spans_join() -> None:
    lunch = {"mon": ["09:00-12:00", "13:30-14:30"]}
    slots = free_slots([cal("Europe/Berlin", hours=lunch)], NO_NOTICE, MONDAY_EARLY, end=TUESDAY)
    assert "Mon 11:30" in local_times(slots, "Europe/Berlin")
    assert "Mon 12:00" not in local_times(slots, "Europe/Berlin")
    joined = {"mon": ["09:00-10:00", "10:00-11:00"]}
    hour = SlotRules(slot_minutes=60, min_notice_minutes=0, buffer_minutes=0)
    starts = local_times(
        free_slots([cal("UTC", hours=joined)], hour, MONDAY_EARLY, end=TUESDAY), "UTC"
    )
    assert starts == ["Mon 09:00", "Mon 10:00"]
    half = SlotRules(slot_minutes=60, min_notice_minutes=0, buffer_minutes=0)
    shifted = {"mon": ["09:30-10:00", "10:00-11:30"]}
    assert local_times(
        free_slots([cal("UTC", hours=shifted)], half, MONDAY_EARLY, end=TUESDAY), "UTC"
    ) == ["Mon 10:00"]


def test_existing_follow_ups_and_their_buffers_are_excluded() -> None:
    meeting = Interval(utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 9, 30))  # 10:00-10:30 Berlin
    end = utc(2026, 3, 2, 11, 0)
    with_buffer = rep_slots(cal("Europe/Berlin", busy=[meeting]), NO_NOTICE, MONDAY_EARLY, end=end)
    assert local_times(with_buffer, "Europe/Berlin") == ["Mon 09:00", "Mon 11:00", "Mon 11:30"]
    no_buffer = SlotRules(min_notice_minutes=0, buffer_minutes=0)
    plain = rep_slots(cal("Europe/Berlin", busy=[meeting]), no_buffer, MONDAY_EARLY, end=end)
    assert local_times(plain, "Europe/Berlin") == [
        "Mon 09:00",
        "Mon 09:30",
        "Mon 10:30",
        "Mon 11:00",
        "Mon 11:30",
    ]


def test_horizon_limits_how_far_ahead_slots_go() -> None:
    one_day = SlotRules(min_notice_minutes=0, buffer_minutes=0, horizon_days=1)
    slots = free_slots([cal("Europe/Berlin")], one_day, MONDAY_EARLY)
    assert slots and all(s.start < MONDAY_EARLY + timedelta(days=1) for s in slots)
    assert {s.start.date() for s in slots} == {MONDAY_EARLY.date()}
    two_weeks = free_slots([cal("Europe/Berlin")], NO_NOTICE, MONDAY_EARLY)
    assert len(two_weeks) == 10 * 16  # ten working days of sixteen slots
    assert max(s.start for s in two_weeks) < MONDAY_EARLY + timedelta(days=14)


def test_us_daylight_saving_change_keeps_local_hours() -> None:
    # The US moves its clocks on Sunday 8 March 2026: 09:00 is 14:00 UTC before, 13:00 after.
    friday = utc(2026, 3, 6, 0, 0)
    slots = free_slots([cal("America/New_York")], NO_NOTICE, friday, end=utc(2026, 3, 10, 0, 0))
    firsts = {s.start.astimezone(ZoneInfo("America/New_York")).date(): s.start for s in slots[::-1]}
    assert firsts[datetime(2026, 3, 6).date()] == utc(2026, 3, 6, 14, 0)
    assert firsts[datetime(2026, 3, 9).date()] == utc(2026, 3, 9, 13, 0)
    assert set(local_times(slots, "America/New_York")) <= {
        f"{d} {h:02d}:{m:02d}" for d in ("Fri", "Mon") for h in range(9, 17) for m in (0, 30)
    }


def test_eu_daylight_saving_change_keeps_local_hours_and_shanghai_has_none() -> None:
    # Europe moves on Sunday 29 March 2026: 09:00 Berlin is 08:00 UTC before, 07:00 after.
    friday, tuesday = utc(2026, 3, 27, 0, 0), utc(2026, 3, 31, 0, 0)
    berlin = free_slots([cal("Europe/Berlin")], NO_NOTICE, friday, end=tuesday)
    assert berlin[0].start == utc(2026, 3, 27, 8, 0)
    monday = [s for s in berlin if s.start.date() == datetime(2026, 3, 30).date()]
    assert monday[0].start == utc(2026, 3, 30, 7, 0) and len(monday) == 16
    shanghai = free_slots([cal("Asia/Shanghai")], NO_NOTICE, friday, end=tuesday)
    assert {s.start.time().hour for s in shanghai if s.start.minute == 0} >= {1, 8}
    assert [s.start for s in shanghai if s.start.day == 30][0] == utc(2026, 3, 30, 1, 0)
    assert [s.start for s in shanghai if s.start.day == 27][0] == utc(2026, 3, 27, 1, 0)


def test_preferred_rep_wins_a_shared_time_and_times_are_distinct() -> None:
    first, second = cal("Europe/Berlin", rep_id=7), cal("Europe/Berlin", rep_id=3)
    slots = free_slots([first, second], NO_NOTICE, MONDAY_EARLY, limit=4)
    assert [s.rep_id for s in slots] == [7, 7, 7, 7]
    assert len({s.start for s in slots}) == 4
    busy_first = cal(
        "Europe/Berlin", rep_id=7, busy=[Interval(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9))]
    )
    slots = free_slots([busy_first, second], NO_NOTICE, MONDAY_EARLY, limit=2)
    assert [(s.rep_id, s.start) for s in slots] == [
        (3, utc(2026, 3, 2, 8)),
        (3, utc(2026, 3, 2, 8, 30)),
    ]


def test_is_free_checks_hours_notice_horizon_and_clashes() -> None:
    rules = SlotRules(min_notice_minutes=120, buffer_minutes=10)
    now = MONDAY_EARLY  # 07:00 Berlin; the earliest call is at 09:00
    berlin = cal("Europe/Berlin", busy=[Interval(utc(2026, 3, 2, 12), utc(2026, 3, 2, 12, 30))])
    assert is_free(berlin, rules, now, utc(2026, 3, 2, 8, 0))
    assert is_free(berlin, rules, now, utc(2026, 3, 2, 8, 10))  # off the grid is fine
    assert not is_free(berlin, rules, now, utc(2026, 3, 2, 15, 45))  # ends after 17:00
    assert not is_free(berlin, rules, now, utc(2026, 3, 2, 12, 35))  # inside the buffer
    assert not is_free(berlin, rules, now, utc(2026, 3, 20, 8, 0))  # beyond the horizon
    assert not is_free(berlin, NO_NOTICE, now, utc(2026, 3, 2, 7, 30))  # 08:30, before hours
    later = utc(2026, 3, 2, 8, 0)  # 09:00 Berlin
    assert not is_free(berlin, rules, later, utc(2026, 3, 2, 9, 0))  # too little notice
    assert is_free(berlin, rules, later, utc(2026, 3, 2, 10, 0))


def test_nearest_slots_surround_the_wanted_time() -> None:
    wanted = utc(2026, 3, 2, 12, 0)  # 13:00 Berlin, taken
    busy = cal("Europe/Berlin", busy=[Interval(utc(2026, 3, 2, 11, 30), utc(2026, 3, 2, 12, 30))])
    near = nearest_slots([busy], NO_NOTICE, MONDAY_EARLY, wanted, 3)
    assert local_times(near, "Europe/Berlin") == ["Mon 11:30", "Mon 14:00", "Mon 14:30"]
    assert near == sorted(near, key=lambda s: s.start)
