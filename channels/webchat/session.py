"""One web chat socket from handshake to close: origin, auth, resume, frames, limits."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect

from channels.webchat import protocol as p
from channels.webchat.connections import Connection, Visitor
from channels.webchat.tokens import TokenError
from dialogs.nlu import language_of_hint

# What the auth frame tells about the visitor, for each of their messages: the page's
# language and the browser's time zone.
Hints = tuple[str | None, str | None]

if TYPE_CHECKING:
    from channels.webchat.channel import WebchatChannel

log = logging.getLogger(__name__)

TYPING_ON = p.serialise(p.Typing(True))
TYPING_OFF = p.serialise(p.Typing(False))


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """The handshake's ``Origin`` against the allowlist.

    Browsers always send ``Origin`` on a WebSocket handshake, and that is what the check
    protects against (another site's page opening a socket as the visitor). Clients that
    are not browsers send none and could forge any, so a missing ``Origin`` is let through
    to the token check. The app's own pages (the demo at ``/``) are same-origin and allowed
    on any host and port, so the quick start works wherever it is served.
    """
    if origin is None:
        return True
    origin = origin.rstrip("/").lower()
    if "*" in allowed or origin in (a.rstrip("/").lower() for a in allowed):
        return True
    return bool(host) and urlsplit(origin).netloc == (host or "").lower()


class SocketSession:
    def __init__(self, channel: WebchatChannel, ws: WebSocket) -> None:
        self.channel = channel
        self.ws = ws
        self.ip = ws.client.host if ws.client else "unknown"
        self.max_bytes = channel.max_frame_bytes

    async def run(self) -> None:
        try:
            await self._run()
        except WebSocketDisconnect as exc:
            # The peer vanished (Starlette turns a failed send into this too).
            log.debug("web chat socket from %s ended: %r", self.ip, exc)
        except Exception:
            # E.g. the store is down during auth: tell the client, which retries with backoff.
            log.exception("web chat socket from %s failed", self.ip)
            try:
                await self._error(p.SERVER_ERROR, "the server failed; reconnect later")
                await self.ws.close(1011)
            except Exception:  # noqa: BLE001, S110 - the socket is already gone
                pass

    async def _run(self) -> None:
        channel, ws = self.channel, self.ws
        if not origin_allowed(ws.headers.get("origin"), ws.headers.get("host"), channel.origins):
            await self._refuse(p.CLOSE_POLICY, p.ORIGIN_NOT_ALLOWED, "origin not allowed")
            return
        if not channel.registry.admit_ip(self.ip):
            await self._refuse(
                p.CLOSE_TRY_LATER, p.TOO_MANY_CONNECTIONS, "too many connections from your address"
            )
            return
        try:
            await ws.accept()
            auth = await self._authenticate()
            if auth is not None:
                await self._converse(*auth)
        finally:
            channel.registry.release_ip(self.ip)

    async def _refuse(self, code: int, error: str, message: str) -> None:
        # Accepted first so the browser sees the close code and the reason (a refused
        # handshake only shows up as 1006 in JavaScript).
        await self.ws.accept()
        await self._error(error, message)
        await self.ws.close(code)

    async def _error(self, code: str, message: str) -> None:
        await self.ws.send_text(p.serialise(p.ErrorFrame(code, message)))

    async def _receive(self) -> str | bytes | None:
        """The next frame, ``None`` when the peer left; oversize frames close with 1009."""
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data: str | bytes = message.get("text") or message.get("bytes") or ""
        size = len(data) if isinstance(data, bytes) or data.isascii() else len(data.encode())
        if size > self.max_bytes:
            await self._error(p.FRAME_TOO_LARGE, f"frames are limited to {self.max_bytes} bytes")
            await self.ws.close(p.CLOSE_TOO_BIG)
            return None
        return data

    async def _authenticate(self) -> tuple[Connection, Visitor, Hints] | None:
        channel = self.channel
        try:
            raw = await asyncio.wait_for(self._receive(), channel.limits.auth_timeout)
        except TimeoutError:
            await self._unauthorized(p.AUTH_REQUIRED, "send an auth frame first")
            return None
        if raw is None:
            return None
        try:
            frame = p.parse_client_frame(raw)
        except p.ProtocolError as exc:
            await self._unauthorized(exc.code, exc.message)
            return None
        if not isinstance(frame, p.AuthFrame):
            await self._unauthorized(p.AUTH_REQUIRED, "the first frame must be auth")
            return None
        try:
            claims = channel.tokens.verify(frame.token)
        except TokenError as exc:
            code = p.TOKEN_EXPIRED if exc.reason == "expired" else p.INVALID_TOKEN
            await self._unauthorized(code, str(exc))
            return None
        visitor_id = claims.visitor_id
        conversation, resume_from = await channel.feed.resume_point(
            visitor_id, frame.conversation, frame.last_seq
        )
        connection = Connection(self.ws, visitor_id, channel.limits.send_timeout)
        connection.last_seq = resume_from
        visitor = channel.registry.attach(connection)
        try:
            if conversation is not None:
                visitor.conversation_id = conversation
            fresh = channel.tokens.issue(visitor_id)
            await connection.send(p.serialise(p.Ready(conversation, resume_from, fresh)))
            await channel.feed.flush(visitor)
        except BaseException:
            channel.registry.detach(connection)
            raise
        return connection, visitor, (language_of_hint(frame.lang), frame.timezone)

    async def _unauthorized(self, code: str, message: str) -> None:
        await self._error(code, message)
        await self.ws.close(p.CLOSE_UNAUTHORIZED)

    async def _converse(self, connection: Connection, visitor: Visitor, hints: Hints) -> None:
        channel = self.channel
        refused = 0
        try:
            while not connection.closed:
                raw = await self._receive()
                if raw is None:
                    return
                try:
                    frame = p.parse_client_frame(raw)
                    if isinstance(frame, p.AuthFrame):
                        raise p.ProtocolError(p.INVALID_FRAME, "already authenticated")
                except p.ProtocolError as exc:
                    await connection.send(p.serialise(p.ErrorFrame(exc.code, exc.message)))
                    continue
                if not channel.registry.allow_message(visitor):
                    refused += 1
                    if refused >= channel.limits.flood_close_after:
                        await connection.close(p.CLOSE_POLICY, "flooding")
                        return
                    error = p.ErrorFrame(p.RATE_LIMITED, "too many messages; slow down")
                    await connection.send(p.serialise(error))
                    continue
                refused = 0
                await self._turn(connection, visitor, frame, hints)
        finally:
            channel.registry.detach(connection)

    async def _turn(
        self,
        connection: Connection,
        visitor: Visitor,
        frame: p.MessageFrame | p.ClickFrame,
        hints: Hints,
    ) -> None:
        channel = self.channel
        conversation_id = None
        # While busy, the adapter leaves flushing to this handler (one store read per turn).
        # busy drops before the flush, so anything announced after it starts a flush of its own.
        visitor.busy += 1
        try:
            await channel.feed.push_all(visitor, TYPING_ON)
            inbound = p.to_inbound(frame, visitor.visitor_id, *hints)
            receipt = await channel.ctx.receive(inbound)
            conversation_id = receipt.conversation_id
        except Exception:
            # Whether or not the message was stored, resending it with the same
            # client_msg_id is safe: the store refuses the duplicate.
            log.exception("web chat turn for %s failed", visitor.visitor_id)
            error = p.ErrorFrame(p.SERVER_ERROR, "the message could not be processed; resend it")
            await connection.send(p.serialise(error))
        finally:
            visitor.busy -= 1
        try:
            await channel.feed.follow(visitor, conversation_id)
        finally:
            await channel.feed.push_all(visitor, TYPING_OFF)
