"""Work that continues after Slack got its ack, tracked so shutdown can wait for it.

Slack wants an answer within 3 seconds; storing a message, running the dialog or posting a
card can take longer (a slow database, a rate-limited API). Listeners ack first and hand the
rest to ``Background.spawn``. Unlike a bare ``asyncio.ensure_future``, every task is kept
until it ends, its exceptions are logged, and ``close`` waits for it (then cancels stragglers).

Work about one thing (a conversation, a thread) stays in arrival order: tasks are started
in the order events arrived, and each takes its key's FIFO lock
(``dialogs.core.locks.InMemoryLocks``) as its very first step, so they run one at a time in
that order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

# How long a task waits for the one before it about the same thing; past that the task
# fails (and is logged) rather than queueing forever behind a stuck one.
ORDER_WAIT_SECONDS = 300.0


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.failures = 0

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, Any], name: str = "slack") -> asyncio.Task[Any]:
        task = asyncio.create_task(self._guarded(work, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guarded(self, work: Coroutine[Any, Any, Any], name: str) -> Any:
        try:
            return await work
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failures += 1
            log.exception("slack background task %s failed", name)
            return None

    async def drain(self, within: float | None = None) -> bool:
        """Wait until nothing is running (tasks spawned meanwhile included); True if so."""
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=left)
        return True

    async def close(self, grace: float = 10.0) -> None:
        if not await self.drain(grace):
            log.warning("cancelling %d slack tasks still running at shutdown", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
