"""Web chat load benchmark: salesbot against a bare WebSocket echo server, on 127.0.0.1.

    .venv/bin/python benchmarks/webchat_load.py [--clients 1,50,500] [--duration 10]
                                                [--idle 10000] [--json results.json]

This process is the load generator; the servers run in processes of their own. For each C,
C web chat customers connect and authenticate, say hello once (not measured: it creates the
contact and the conversation), then for ``--duration`` seconds each asks product questions
one after another, waiting for each answer. Reported: answered messages per second, p50/p99
latency from sending a question to the first bot message of the answer (the hub commits the
customer's message, the dialog state and the replies before any reply is sent), and server
CPU time per message from /proc. The same clients then run against benchmarks/echo_server.py.
Last, ``--idle`` visitors connect, authenticate and stay idle, and the server's RSS is read.

The salesbot server is the real app (``create_app`` + ``bot.transports.webchat_of``) on a
fresh SQLite store, with the per-visitor rate limit and per-IP connection cap raised (every
client comes from 127.0.0.1 and asks as fast as it is answered). Tokens for the idle
visitors are signed here with the server's secret instead of 10,000 HTTP round trips.
Everything is bounded in time and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "How much is the Cam 4K?",
    "Is the Auralis Bar in stock?",
    "What does Auralis Cloud Pro cost per month?",
    "How long does delivery of the Board take?",
    "Does the Speak work with Zoom?",
    "What is the price of the Hub touch panel?",
    "How big a room is the Auralis Bar good for?",
    "Do you ship to Canada?",
]
HARD_DEADLINE = 900  # seconds: the whole run gives up after this, whatever happens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, deflate: bool) -> None:
    """Server mode: the salesbot app as `salesbot serve` builds it, limits raised."""
    import uvicorn

    from bot.app import create_app, uvicorn_options
    from bot.runtime import Runtime
    from bot.settings.model import load_settings
    from bot.transports import webchat_of
    from channels.webchat.connections import WebchatLimits

    settings = load_settings(ROOT / "config")
    runtime = Runtime.create(settings)
    app = create_app(runtime)
    limits = WebchatLimits(
        connections_per_ip=50_000, messages_per_second=1e9, message_burst=1_000_000_000
    )
    webchat_of(app, limits=limits)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        backlog=4096,
        **{**uvicorn_options(settings), "ws_per_message_deflate": deflate},
    )


class Server:
    def __init__(self, args: list[str], env: dict[str, str], port: int) -> None:
        self.port = port
        # A file, not a pipe: a chatty server must never block on a full pipe.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="salesbot-bench-", suffix=".log")
        self.proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env={**os.environ, **env},
            stdout=self.log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def wait_ready(self, path: str, within: float = 180) -> None:
        import httpx

        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not start")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class Result:
    target: str
    clients: int
    messages: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_message: float
    client_cpu_ms_per_message: float


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def customer(
    url: str, token: str, echo: bool, ready: asyncio.Barrier, go: asyncio.Event,
    stop: list[float], latencies: list[float], ids: itertools.count,
) -> None:  # fmt: skip
    import websockets

    async def ask(ws: websockets.ClientConnection, text: str) -> float:
        started = time.perf_counter()
        await ws.send(
            json.dumps({"type": "message", "text": text, "client_msg_id": f"b{next(ids)}"})
        )
        answered = 0.0
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "message" and frame["role"] == "bot" and not answered:
                answered = time.perf_counter()
                if echo:
                    return answered - started
            if frame["type"] == "typing" and not frame["on"]:  # the turn is complete
                return (answered or time.perf_counter()) - started

    async with websockets.connect(url, open_timeout=60, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token, "last_seq": 0}))
        while json.loads(await ws.recv())["type"] != "ready":
            pass
        await ask(ws, "hello")
        await ready.wait()
        await go.wait()
        questions = itertools.cycle(random.sample(QUESTIONS, len(QUESTIONS)))
        while True:
            latency = await ask(ws, next(questions))
            if time.perf_counter() > stop[0]:
                return
            latencies.append(latency)


async def run_load(
    server: Server, url: str, tokens: list[str], duration: float, echo: bool
) -> Result:
    clients = len(tokens)
    ready, go, stop = asyncio.Barrier(clients + 1), asyncio.Event(), [float("inf")]
    latencies: list[float] = []
    ids = itertools.count()
    tasks = [
        asyncio.create_task(customer(url, t, echo, ready, go, stop, latencies, ids)) for t in tokens
    ]
    await asyncio.wait_for(ready.wait(), 180)
    cpu0, own0, started = server.cpu_seconds(), time.process_time(), time.perf_counter()
    stop[0] = started + duration
    go.set()
    await asyncio.sleep(duration)
    cpu1, own1, elapsed = server.cpu_seconds(), time.process_time(), time.perf_counter() - started
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    n = len(latencies)
    return Result(
        "echo" if echo else "salesbot", clients, n, round(elapsed, 2), round(n / elapsed, 1),
        round(percentile(latencies, 0.5) * 1000, 2), round(percentile(latencies, 0.99) * 1000, 2),
        round((cpu1 - cpu0) * 1000 / max(n, 1), 3), round((own1 - own0) * 1000 / max(n, 1), 3),
    )  # fmt: skip


async def run_idle(server: Server, url: str, tokens: list[str]) -> dict[str, float]:
    import websockets

    before = server.rss_mb()
    gate = asyncio.Semaphore(200)  # connection attempts in flight, not open sockets
    opened: list[websockets.ClientConnection] = []

    async def visitor(token: str) -> None:
        async with gate:
            ws = await websockets.connect(url, open_timeout=120, ping_interval=None)
            await ws.send(json.dumps({"type": "auth", "token": token, "last_seq": 0}))
            while json.loads(await ws.recv())["type"] != "ready":
                pass
            opened.append(ws)

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(visitor(t) for t in tokens)), 600)
    connect_seconds = time.perf_counter() - started
    after = server.rss_mb()
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    return {
        "visitors": len(opened),
        "rss_before_mb": round(before, 1),
        "rss_connected_mb": round(after, 1),
        "kb_per_visitor": round((after - before) * 1024 / max(len(opened), 1), 1),
        "connect_seconds": round(connect_seconds, 1),
    }


async def session_tokens(base: str, n: int) -> list[str]:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        gate = asyncio.Semaphore(50)

        async def one() -> str:
            async with gate:
                return str((await http.post("/webchat/session")).json()["token"])

        return list(await asyncio.gather(*(one() for _ in range(n))))


async def benchmark(args: argparse.Namespace) -> dict[str, object]:
    from channels.webchat.tokens import VisitorTokens
    from crm_store.clock import SystemClock

    secret = secrets.token_urlsafe(32)
    data_dir = tempfile.mkdtemp(prefix="salesbot-bench-")
    bot_port, echo_port = free_port(), free_port()
    env = {"SALESBOT_DATA_DIR": data_dir, "SALESBOT_SECRET_KEY": secret}
    options = ["--deflate"] if args.deflate else []
    bot = Server([__file__, "serve", "--port", str(bot_port), *options], env, bot_port)
    echo_options = ["--deflate"] if args.deflate else []
    echo = Server(
        ["benchmarks/echo_server.py", "--port", str(echo_port), *echo_options], {}, echo_port
    )
    results: list[Result] = []
    idle: dict[str, dict[str, float]] = {}
    try:
        bot.wait_ready("/healthz")
        echo.wait_ready("/")
        bot_url, echo_url = f"ws://127.0.0.1:{bot_port}/webchat/ws", f"ws://127.0.0.1:{echo_port}/"
        for clients in args.clients:
            tokens = await session_tokens(f"http://127.0.0.1:{bot_port}", clients)
            for server, url, is_echo in ((bot, bot_url, False), (echo, echo_url, True)):
                result = await run_load(server, url, tokens, args.duration, is_echo)
                print(json.dumps(asdict(result)), flush=True)
                results.append(result)
        if args.idle:
            signer = VisitorTokens(secret.encode(), SystemClock().now)
            tokens = [signer.issue() for _ in range(args.idle)]
            for name, server, url in (("salesbot", bot, bot_url), ("echo", echo, echo_url)):
                idle[name] = await run_idle(server, url, tokens)
                print(name, "idle", json.dumps(idle[name]), flush=True)
    finally:
        bot.stop()
        echo.stop()
    return {"load": [asdict(r) for r in results], "idle": idle}


def markdown(report: dict[str, object]) -> str:
    lines = [
        "| C | server | messages/s | p50 ms | p99 ms | server CPU ms/msg | client CPU ms/msg |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["load"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {r['clients']} | {r['target']} | {r['per_second']:,} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['server_cpu_ms_per_message']} | {r['client_cpu_ms_per_message']} |"
        )
    for name, row in report["idle"].items():  # type: ignore[attr-defined]
        lines.append(
            f"\n{name}: {row['visitors']:,} idle visitors, RSS {row['rss_before_mb']} MB -> "
            f"{row['rss_connected_mb']} MB ({row['kb_per_visitor']} KB each)"
        )
    return "\n".join(lines)


def main() -> None:
    import resource

    parser = argparse.ArgumentParser(description="web chat load benchmark (127.0.0.1 only)")
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "serve"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--clients", default="1,50,500")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--deflate", action="store_true", help="permessage-deflate on (uvicorn's default)"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 10,000 sockets need the fds
    if args.mode == "serve":
        serve(args.port, args.deflate)
        return
    args.clients = [int(c) for c in args.clients.split(",") if c]
    report = asyncio.run(asyncio.wait_for(benchmark(args), HARD_DEADLINE))
    report["command"] = " ".join(["python", "benchmarks/webchat_load.py", *sys.argv[1:]])
    report["machine"] = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
