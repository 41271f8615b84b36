"""Refuse a signed Slack request sent a second time (#6).

A valid signature only proves Slack sent the request within the last five minutes (bolt
refuses an older timestamp); someone who captured one could send it again inside that
window. Slack itself never does: each delivery, retries included, is signed with the time it
was sent. So a request whose timestamp and signature have been seen before is a replay, and
is refused with 401 before any listener runs. The retry number is not part of the key: the
signature does not cover that header, so a replayer could change it at will.

A retry that Slack sent within the same second as the first delivery would be refused too;
Slack then retries again later, and the event id dedupe makes that harmless.

The memory is per process: with several web workers a replay could reach another one,
where the event's idempotency key (the store's duplicate guard) still makes it do nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

# Bolt refuses a timestamp more than five minutes off; a second more covers the rounding.
WINDOW_SECONDS = 5 * 60 + 1


class ReplayGuard:
    """Which signed requests were seen while their signature is still acceptable."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        # key -> the time after which the request would be refused as stale anyway;
        # insertion order is (nearly) expiry order, so expired keys sit at the front.
        self._seen: dict[tuple[str, str], float] = {}

    def first_time(self, timestamp: str, signature: str) -> bool:
        now = self._now()
        while self._seen:
            oldest, expires = next(iter(self._seen.items()))
            if expires >= now:
                break
            del self._seen[oldest]
        key = (timestamp, signature)
        if key in self._seen:
            return False
        try:
            self._seen[key] = int(timestamp) + WINDOW_SECONDS
        except ValueError:
            return False  # bolt has already refused such a request; never remembered
        return True

    def __len__(self) -> int:
        return len(self._seen)


def refuse_replays(guard: ReplayGuard) -> Callable[..., Awaitable[Any]]:
    """A bolt middleware (run as ``before_authorize``, after the signature check)."""

    async def middleware(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[Any]]
    ) -> Any:
        if req.mode == "socket_mode":  # no signature: the socket itself is authenticated
            return await next()
        header = req.headers.get
        timestamp = (header("x-slack-request-timestamp") or [""])[0]
        signature = (header("x-slack-signature") or [""])[0]
        if not guard.first_time(timestamp, signature):
            return BoltResponse(status=401, body='{"error": "replayed request"}')
        return await next()

    return middleware
