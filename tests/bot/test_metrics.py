"""/metrics: counters from the hub and the outbox, backlog gauges from the store."""

from __future__ import annotations

from bot.assembly import build_hub
from bot.metrics import Metrics
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.core.content import Content
from dialogs.nlu import NluService
from tests.driver import Chat, RecordingAdapter


async def test_counters_and_gauges(
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
) -> None:
    metrics = Metrics()
    adapter = RecordingAdapter("webchat")
    hub = build_hub(
        settings=settings,
        content=content,
        db=seeded_db,
        clock=clock,
        nlu=NluService(understanding.models, clock=clock),
        adapters={"webchat": adapter},
        metrics=metrics,
    )
    chat = Chat(hub, adapter)
    message = chat.message("hello", message_id="m-1")
    await chat.send(message)
    await chat.send(message)  # a duplicate
    adapter.fail_next(1)
    # Its reply stays in the outbox (one reply: "thanks" would also bring the survey).
    await chat.say("are you a bot?")
    text = (await metrics.render(seeded_db, clock.now())).decode()
    assert 'salesbot_messages_received_total{channel="webchat",status="handled"} 2.0' in text
    assert 'salesbot_messages_received_total{channel="webchat",status="duplicate"} 1.0' in text
    assert 'salesbot_replies_delivered_total{channel="webchat"} 1.0' in text
    assert 'salesbot_delivery_failures_total{channel="webchat"} 1.0' in text
    assert "salesbot_outbox_pending 1.0" in text
