"""A bare WebSocket echo server: the ceiling the web chat benchmark is compared with.

The same stack as ``salesbot serve`` (uvicorn, its default WebSocket implementation, an
ASGI app) and the same frame shapes (an ``auth`` frame answered by ``ready``, each
``message`` frame answered by one ``message`` frame), but no token check, no store, no
dialog: what is left is the cost of the server, the sockets and JSON on this machine.

    python benchmarks/echo_server.py --port 8765
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import uvicorn

Scope = dict[str, Any]


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    seq = 0
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        frame = json.loads(message.get("text") or message.get("bytes") or "{}")
        if frame.get("type") == "auth":
            reply = {"type": "ready", "conversation": None, "resume_from": 0}
        else:
            seq += 1
            reply = {
                "type": "message",
                "seq": seq,
                "role": "bot",
                "text": frame.get("text", ""),
                "buttons": [],
                "quick_replies": [],
            }
        await send({"type": "websocket.send", "text": json.dumps(reply)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--deflate", action="store_true", help="permessage-deflate on")
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        backlog=4096,
        ws_per_message_deflate=args.deflate,
    )


if __name__ == "__main__":
    main()
