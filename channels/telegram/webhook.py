"""``POST /telegram/webhook``: Telegram's pushes, verified by the secret token.

Telegram sends the secret given to ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``;
without it anyone who guesses the URL could speak for any Telegram user. A missing or wrong
secret gets 401 before the body is even parsed, so it changes nothing.

The response is sent only after the update went through the hub (stored and committed);
an error answers 500, and Telegram delivers the update again later (a duplicate by
``update_id`` is then refused by the store).
"""

from __future__ import annotations

import hmac
import json
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000  # an update is a few KB; anything this big is not from Telegram


def secret_matches(given: str | None, expected: str) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def webhook_router(
    bot: Bot, dispatcher: Dispatcher, secret: str, path: str = WEBHOOK_PATH
) -> APIRouter:
    if not secret:
        raise ValueError("a Telegram webhook needs SALESBOT_TELEGRAM_WEBHOOK_SECRET")
    router = APIRouter()

    @router.post(path, include_in_schema=False)
    async def telegram_webhook(request: Request) -> JSONResponse:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return JSONResponse({"ok": False, "error": "unauthorized"}, status_code=401)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        try:
            update = Update.model_validate(json.loads(body), context={"bot": bot})
        except (ValueError, ValidationError):
            return JSONResponse({"ok": False, "error": "not a Telegram update"}, status_code=400)
        try:
            await dispatcher.feed_update(bot, update)
        except Exception:
            log.exception("telegram update %s failed; Telegram will retry", update.update_id)
            return JSONResponse({"ok": False, "error": "try again"}, status_code=500)
        return JSONResponse({"ok": True})

    return router
