"""From nothing to a conversation, as a business author does it: `salesbot init`, `salesbot
check`, `salesbot serve` (a real process), then the REST channel greets with the new
business's name and answers from its own catalog and FAQ (#15)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.bot.test_serve import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "rest-token-for-the-new-business"


def salesbot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_init_check_serve_and_talk(tmp_path: Path) -> None:
    config = tmp_path / "fern"
    made = salesbot("init", str(config), "--name", "Blue Fern Studio", "--kind", "service")
    assert made.returncode == 0, made.stderr
    checked = salesbot("check", "--config", str(config))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines()[-1].startswith("0 errors, 0 warnings")

    port = free_port()
    env = {
        **os.environ,
        "SALESBOT_REST_TOKEN": TOKEN,
        "SALESBOT_DATA_DIR": str(tmp_path / "data"),  # not .salesbot-... in the repository
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--config", str(config), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90  # the first start trains the NLU
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not come up in 90 s"
            time.sleep(0.3)

        def say(text: str, sender: str = "visitor-1") -> str:
            response = httpx.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            return "\n".join(item["text"] for item in response.json())

        assert "Blue Fern Studio" in say("hello")
        assert "Blue Fern Studio" in say("你好", sender="visitor-2")
        assert "900" in say("how much is the service package?")  # its own catalog
        assert "return and cancellation policy" in say("what is your return policy?")
        assert "Auralis" not in say("are you a bot?")
    finally:
        server.terminate()
        server.wait(timeout=30)
