"""The Slack Web API calls salesbot makes, with Slack's failure modes sorted out.

- 429 ``ratelimited``: wait ``Retry-After`` seconds and try again, up to ``max_attempts``;
  a wait longer than ``max_wait`` is not done inline but handed back as a transient
  ``DeliveryError(retry_after=...)`` so an outbox can retry later.
- Permanent errors (``channel_not_found``, ``not_in_channel``, ``invalid_auth``...) are
  logged once and raised as ``DeliveryError(transient=False)``: retrying cannot help.
- Anything else (5xx, ``internal_error``, a dropped connection) is transient.

``sleep`` is injected so tests can see the waits without waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from channels.base import DeliveryError

log = logging.getLogger(__name__)

PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "too_many_attachments",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "team_access_not_granted",
        "invalid_arguments",
        "channel_is_archived",
    }
)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Posted:
    channel: str  # the channel id Slack answered with (a "#name" becomes "C...")
    ts: str

    @property
    def ref(self) -> str:
        return f"{self.channel}:{self.ts}"


class SlackApi:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int = 4,
        max_wait: float = 60.0,
    ) -> None:
        self.client = client
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.max_wait = max_wait

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One Web API call; ``DeliveryError`` on failure after the rate-limit waits."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self.client.api_call(method, json=_clean(params))
                return dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as exc:
                status = exc.response.status_code
                error = str((exc.response.data or {}).get("error", "")) if exc.response else ""
                if status == 429 or error == "ratelimited":
                    wait = _retry_after(exc)
                    if attempt < self.max_attempts and wait <= self.max_wait:
                        log.info("slack %s rate limited; waiting %.0fs", method, wait)
                        await self.sleep(wait)
                        continue
                    raise DeliveryError(
                        f"slack {method}: rate limited", transient=True, retry_after=wait
                    ) from None
                if error in PERMANENT:
                    log.error("slack %s failed for good: %s", method, error)
                    raise DeliveryError(f"slack {method}: {error}", transient=False) from None
                raise DeliveryError(f"slack {method}: {error or status}") from None
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise DeliveryError(f"slack {method}: {type(exc).__name__}") from None

    async def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
    ) -> Posted:
        data = await self.call(
            "chat.postMessage",
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return Posted(str(data.get("channel") or channel), str(data.get("ts", "")))

    async def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        await self.call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks or [])

    async def ephemeral(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> None:
        await self.call(
            "chat.postEphemeral", channel=channel, user=user, text=text, thread_ts=thread_ts
        )

    async def open_dm(self, user: str) -> str:
        data = await self.call("conversations.open", users=user)
        return str((data.get("channel") or {}).get("id", ""))

    async def respond(self, response_url: str, body: dict[str, Any]) -> None:
        """Answer a slash command or a click through its ``response_url`` (no token)."""
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            async with session.post(response_url, json=body) as response:
                if response.status >= 400:
                    raise DeliveryError(f"response_url: HTTP {response.status}")
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"response_url: {type(exc).__name__}") from None
        finally:
            await session.close()


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    value = None
    for key, raw in dict(headers).items():
        if key.lower() == "retry-after":
            value = raw[0] if isinstance(raw, list) else raw
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0
