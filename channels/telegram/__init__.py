"""The Telegram channel (aiogram 3 as transport only): see ``channel.TelegramChannel``."""
