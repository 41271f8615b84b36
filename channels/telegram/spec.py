"""Telegram's registration: ``channels.telegram`` in settings.yaml."""

from __future__ import annotations

from channels.registry import ChannelSpec
from channels.telegram.channel import build
from channels.telegram.settings import TelegramSettings

SPEC = ChannelSpec(
    name="telegram",
    settings=TelegramSettings,
    build=build,
    description="Telegram bot (aiogram 3): long polling or a webhook",
)
