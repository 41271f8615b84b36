"""Removing what salesbot posted in Slack about an erased person.

Runs after the erasure commits (the store must forget the person even when Slack is down):
the erasure records the messages to remove as ``SlackRef`` values in a ``privacy.cleanup``
task. For each thread root (a handoff or lead card, a handoff thread) salesbot's own replies
in the thread go first (the relayed customer messages), then the root. A message salesbot
cannot delete (a workspace retention policy) is overwritten with a neutral text instead.
Reps' own replies are theirs: a bot token cannot remove them; they are counted and left.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

REDACTED_TEXT = "This message was removed at the customer's request."
# Channel, DM and group ids ("C0123ABC", "D...", "G..."); message timestamps ("1700000000.000100").
_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]{2,30}$")
_TS = re.compile(r"^\d{9,11}\.\d{1,6}$")
_GONE = frozenset({"message_not_found", "thread_not_found"})
_CANNOT_DELETE = frozenset({"cant_delete_message", "compliance_exports_prevent_deletion"})
_TRANSIENT = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable"})


@dataclass(frozen=True, slots=True)
class SlackRef:
    channel: str
    ts: str
    thread: bool = False  # a thread root: salesbot's replies under it are removed too

    def to_json(self) -> list[Any]:
        return [self.channel, self.ts, self.thread]

    @classmethod
    def from_json(cls, raw: list[Any]) -> SlackRef:
        return cls(str(raw[0]), str(raw[1]), bool(raw[2]) if len(raw) > 2 else False)

    @classmethod
    def parse(cls, platform_ref: str | None, *, thread: bool = False) -> SlackRef | None:
        """A staff message's ``platform_ref`` ("C123:1700000000.000100"), if it is Slack's."""
        if not platform_ref or platform_ref.count(":") != 1:
            return None
        channel, ts = platform_ref.split(":")
        if not _CHANNEL_ID.match(channel) or not _TS.match(ts):
            return None
        return cls(channel, ts, thread)


@dataclass
class SlackReport:
    deleted: int = 0
    redacted: int = 0
    already_gone: int = 0
    left_to_reps: int = 0  # replies posted by people, which a bot cannot remove
    failed: list[str] = field(default_factory=list)  # permanent errors, for the operator
    remaining: list[SlackRef] = field(default_factory=list)  # to retry (rate limit, outage)
    retry_after: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "deleted": self.deleted,
            "redacted": self.redacted,
            "already_gone": self.already_gone,
            "left_to_reps": self.left_to_reps,
            "failed": list(self.failed),
            "remaining": len(self.remaining),
        }


class _Transient(Exception):
    def __init__(self, retry_after: float | None) -> None:
        super().__init__("transient Slack failure")
        self.retry_after = retry_after


class SlackEraser:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def erase(self, refs: list[SlackRef]) -> SlackReport:
        report = SlackReport()
        pending = _unique(refs)
        while pending:
            ref = pending[0]
            try:
                if ref.thread:
                    await self._erase_replies(ref, report)
                await self._remove(ref.channel, ref.ts, report)
            except (_Transient, aiohttp.ClientError, TimeoutError) as exc:
                report.remaining = pending
                report.retry_after = getattr(exc, "retry_after", None)
                log.warning("Slack cleanup paused: %d messages left to retry", len(pending))
                return report
            pending = pending[1:]
        return report

    async def _erase_replies(self, root: SlackRef, report: SlackReport) -> None:
        cursor: str | None = None
        while True:
            try:
                page = await self.client.conversations_replies(
                    channel=root.channel, ts=root.ts, cursor=cursor, limit=200
                )
            except SlackApiError as exc:
                error = _error(exc)
                _raise_if_transient(exc, error)
                if error not in _GONE:
                    # Without history access we still remove the root; say why replies stay.
                    report.failed.append(f"conversations.replies {root.channel}: {error}")
                return
            for message in page.get("messages") or []:
                ts = message.get("ts")
                if not ts or ts == root.ts:
                    continue
                if message.get("bot_id") or message.get("subtype") == "bot_message":
                    await self._remove(root.channel, ts, report)
                else:
                    report.left_to_reps += 1
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return

    async def _remove(self, channel: str, ts: str, report: SlackReport) -> None:
        try:
            await self.client.chat_delete(channel=channel, ts=ts)
            report.deleted += 1
            return
        except SlackApiError as exc:
            error = _error(exc)
            _raise_if_transient(exc, error)
            if error in _GONE:
                report.already_gone += 1
                return
            if error not in _CANNOT_DELETE:
                report.failed.append(f"chat.delete {channel} {ts}: {error}")
                return
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=REDACTED_TEXT, blocks=[])
            report.redacted += 1
        except SlackApiError as exc:
            error = _error(exc)
            _raise_if_transient(exc, error)
            report.failed.append(f"chat.update {channel} {ts}: {error}")


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "unknown_error")) if isinstance(data, dict) else "unknown_error"


def _raise_if_transient(exc: SlackApiError, error: str) -> None:
    status = getattr(exc.response, "status_code", 200)
    if status == 429 or status >= 500 or error in _TRANSIENT:
        headers = getattr(exc.response, "headers", None) or {}
        retry = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        raise _Transient(_seconds(retry))


def _seconds(value: Any) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _unique(refs: list[SlackRef]) -> list[SlackRef]:
    # The same root may come from a card and the conversation's thread: a thread ref wins.
    merged: dict[tuple[str, str], SlackRef] = {}
    for ref in refs:
        key = (ref.channel, ref.ts)
        if key not in merged or ref.thread:
            merged[key] = ref
    return list(merged.values())
