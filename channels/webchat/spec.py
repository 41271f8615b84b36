"""The web chat's registration: ``channels.webchat`` in settings.yaml, always built (the REST
channel lives here too, and is off until ``SALESBOT_REST_TOKEN`` is set)."""

from __future__ import annotations

from channels.registry import ChannelSpec
from channels.webchat.channel import WebchatChannel
from channels.webchat.settings import WebchatSettings

SPEC = ChannelSpec(
    name="webchat",
    settings=WebchatSettings,
    build=WebchatChannel.create,
    description="Web chat widget (WebSocket) and the Rasa-compatible REST channel",
)
