"""The bot's command menu, registered with ``setMyCommands`` in English and Chinese.

Telegram shows the Chinese list to users whose app language is Chinese and the default
(English) list to everyone else. What each command does is in ``translate.COMMAND_PAYLOADS``;
``/start`` is not listed because Telegram shows its own Start button.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeDefault

COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("help", "What I can do for you"),
        ("language", "Switch language: English / 中文"),
        ("human", "Talk to a person from our sales team"),
        ("stop", "Stop messages from us"),
    ),
    "zh": (
        ("help", "我能为您做什么"),
        ("language", "切换语言：中文 / English"),
        ("human", "联系销售人员"),
        ("stop", "不再接收我们的消息"),
    ),
}
DEFAULT_LANGUAGE = "en"


def bot_commands(language: str) -> list[BotCommand]:
    return [BotCommand(command=c, description=d) for c, d in COMMANDS[language]]


async def register_commands(bot: Bot) -> None:
    """Set the menu for every language (idempotent; safe on every start)."""
    for language in COMMANDS:
        await bot.set_my_commands(
            bot_commands(language),
            scope=BotCommandScopeDefault(),
            language_code=None if language == DEFAULT_LANGUAGE else language,
        )
