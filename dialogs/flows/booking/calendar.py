"""Which reps a customer is offered, and their free slots, loaded from the CRM store.

Preference: slots in the customer's daytime; the rep who already owns the customer's lead
(or the call being moved), then the reps who speak the customer's language (all reps when
none does); earliest slot first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm_store.uow import UnitOfWork
from dialogs.flows.booking.slots import (
    RepCalendar,
    Slot,
    SlotRules,
    free_slots,
    is_free,
    nearest_slots,
)
from dialogs.timing.availability import Interval

# Offered slots fall in the customer's own daytime when possible: a rep free at 09:00 in
# Berlin is no use to someone for whom that is 01:00 (asked-for times are booked as asked).
CUSTOMER_DAY = (time(8), time(21))


@dataclass(frozen=True)
class Calendars:
    rules: SlotRules
    now: datetime
    preferred: tuple[RepCalendar, ...]  # the owner rep alone, or empty
    pool: tuple[RepCalendar, ...]  # everyone else the customer may be offered, in order
    by_rep: dict[int, RepCalendar]  # every active rep: a button from earlier stays valid
    names: dict[int, str]
    skip: datetime | None = None  # the current time of a call being moved: not offered

    @classmethod
    async def load(
        cls,
        uow: UnitOfWork,
        rules: SlotRules,
        now: datetime,
        *,
        lang: str,
        preferred_rep_id: int | None = None,
        ignore_follow_up_id: int | None = None,
    ) -> Calendars:
        reps = await uow.reps.list(active_only=True)
        margin = rules.length + timedelta(minutes=rules.buffer_minutes)
        busy: dict[int, list[Interval]] = defaultdict(list)
        for f in await uow.follow_ups.busy(
            [rep.id for rep in reps], now - margin, rules.latest(now) + margin
        ):
            if f.id != ignore_follow_up_id:
                busy[f.rep_id].append(Interval(f.starts_at, f.ends_at))
        by_rep = {
            rep.id: RepCalendar(
                rep.id, rep.timezone, dict(rep.working_hours or {}), tuple(busy[rep.id])
            )
            for rep in reps
        }
        moving = await uow.follow_ups.get(ignore_follow_up_id) if ignore_follow_up_id else None
        speakers = [r.id for r in reps if lang in (r.languages or [])] or list(by_rep)
        owner = preferred_rep_id if preferred_rep_id in by_rep else None
        return cls(
            rules,
            now,
            (by_rep[owner],) if owner is not None else (),
            tuple(by_rep[i] for i in speakers if i != owner),
            by_rep,
            {rep.id: rep.name for rep in reps},
            moving.starts_at if moving else None,
        )

    @property
    def everyone(self) -> tuple[RepCalendar, ...]:
        return self.preferred + self.pool

    def offer(
        self,
        limit: int,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        customer_zone: str | None = None,
    ) -> list[Slot]:
        """The earliest free slots in [start, end): the preferred rep's if it has any."""
        for accept in self._filters(customer_zone):
            for tier in (self.preferred, self.everyone):
                found = free_slots(
                    tier, self.rules, self.now, start=start, end=end, limit=limit, accept=accept
                )
                if found:
                    return found
        return []

    def nearest(self, target: datetime, limit: int, customer_zone: str | None = None) -> list[Slot]:
        for accept in self._filters(customer_zone):
            for tier in (self.preferred, self.everyone):
                found = nearest_slots(tier, self.rules, self.now, target, limit, accept=accept)
                if found:
                    return found
        return []

    def _filters(self, customer_zone: str | None) -> list[Callable[[Slot], bool]]:
        """Slots in the customer's daytime first; any hour only when there are none."""

        def any_hour(slot: Slot) -> bool:
            return slot.start != self.skip

        if customer_zone is None:
            return [any_hour]
        zone = ZoneInfo(customer_zone)

        def daytime(slot: Slot) -> bool:
            first, last = slot.start.astimezone(zone), slot.end.astimezone(zone)
            return (
                any_hour(slot)
                and CUSTOMER_DAY[0] <= first.time()
                and (last.time() <= CUSTOMER_DAY[1] and last.date() == first.date())
            )

        return [daytime, any_hour]

    def rep_free_at(self, start: datetime) -> int | None:
        """The first rep, in order of preference, who can take a call at ``start``."""
        for calendar in self.everyone:
            if is_free(calendar, self.rules, self.now, start):
                return calendar.rep_id
        return None

    def can_take(self, rep_id: int, start: datetime) -> bool:
        calendar = self.by_rep.get(rep_id)
        return calendar is not None and is_free(calendar, self.rules, self.now, start)
