"""Telegram, verified: every update must carry the secret token we registered with setWebhook.

Rasa 3.6's own connector checks no secret (anyone who knows the URL can post forged updates), calls
getMe on every update and exposes an unauthenticated set-webhook route; this one does none of that.
Settings come from the environment; with TELEGRAM_TOKEN unset the channel stays off.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import VerifiedInputChannel, post_with_retry, split_text
from coach.log_chart import parse_chart_path, week_chart_png

logger = logging.getLogger(__name__)

ENV = {
    "token": "TELEGRAM_TOKEN",
    "secret": "TELEGRAM_SECRET_TOKEN",
    "webhook_url": "TELEGRAM_WEBHOOK_URL",
    "api_url": "TELEGRAM_API_URL?",
}
DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's own limits (core.telegram.org/bots/api): message text and callback_data size.
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
# Registration retries back off from 30 s to every 10 minutes: a Telegram outage at start-up heals
# by itself, without hammering the API.
REGISTER_RETRY_FIRST_S = 30
REGISTER_RETRY_MAX_S = 600
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def callback_data(payload: str) -> str:
    """The payload cut to Telegram's 64-byte limit on a character boundary."""
    data = payload.encode("utf-8")[:MAX_CALLBACK_BYTES]
    return data.decode("utf-8", errors="ignore")


def inline_keyboard(buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"inline_keyboard": [[{"text": str(b["title"]), "callback_data": callback_data(str(b.get("payload") or b["title"]))}]
                                for b in buttons]}


class TelegramOutput(OutputChannel):
    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, token: str, api_url: str) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"
        self.sent = 0  # messages sent for this update; 0 after handling means the assistant failed

    async def _send(self, chat_id: Text, text: str, markup: Optional[Dict[str, Any]] = None) -> None:
        pieces = split_text(text, MAX_TEXT) or [" "]
        for i, piece in enumerate(pieces):
            body: Dict[str, Any] = {"chat_id": chat_id, "text": piece}
            if markup and i == len(pieces) - 1:
                body["reply_markup"] = markup  # the keyboard goes under the last piece
            self.sent += 1
            await post_with_retry(f"{self.base}/sendMessage", json=body, what="telegram sendMessage")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self._send(recipient_id, text, inline_keyboard(buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """The pumping-log chart is drawn here and uploaded (Telegram cannot reach a loopback address);
        any other image goes by its address."""
        week = parse_chart_path(image)
        self.sent += 1
        if week is None:
            await post_with_retry(f"{self.base}/sendPhoto", json={"chat_id": recipient_id, "photo": image},
                                  what="telegram sendPhoto")
            return
        png = await asyncio.get_running_loop().run_in_executor(None, week_chart_png, week)

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("chat_id", str(recipient_id))
            data.add_field("photo", png, filename="pumping-log.png", content_type="image/png")
            return data

        await post_with_retry(f"{self.base}/sendPhoto", data=form, what="telegram sendPhoto")

    async def answer_callback(self, callback_id: str) -> None:
        await post_with_retry(f"{self.base}/answerCallbackQuery", json={"callback_query_id": callback_id},
                              what="telegram answerCallbackQuery")

    async def set_webhook(self, url: str, secret: str) -> bool:
        result = await post_with_retry(
            f"{self.base}/setWebhook",
            json={"url": url, "secret_token": secret, "allowed_updates": ["message", "callback_query"]},
            what="telegram setWebhook",
        )
        return bool(result and result.get("ok"))


def read_update(update: Any) -> "tuple[Optional[str], Optional[str], Optional[str], bool]":
    """(update_id, chat_id, text, is_button) from an update; text is None for non-text messages."""
    if not isinstance(update, dict) or "update_id" not in update:
        raise ValueError("not a Telegram update")
    update_id = str(update["update_id"])
    query = update.get("callback_query")
    if isinstance(query, dict):
        chat = ((query.get("message") or {}).get("chat") or {}).get("id") or (query.get("from") or {}).get("id")
        data = query.get("data")
        return update_id, str(chat) if chat is not None else None, data if isinstance(data, str) else None, True
    message = update.get("message") or update.get("edited_message")
    if isinstance(message, dict):
        chat = (message.get("chat") or {}).get("id")
        text = message.get("text")
        return update_id, str(chat) if chat is not None else None, text if isinstance(text, str) else None, False
    return update_id, None, None, False


class TelegramInput(VerifiedInputChannel):
    ENV = ENV

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, settings: Optional[Dict[str, str]]) -> None:
        super().__init__(settings)
        if settings and not SECRET_RE.match(settings["secret"]):
            raise ValueError("TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, '_' or '-'")

    def output(self) -> TelegramOutput:
        assert self.settings
        return TelegramOutput(self.settings["token"], self.settings["api_url"] or DEFAULT_API_URL)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("telegram_secure", __name__)
        if not self.settings:
            return bp  # not configured: no routes at all
        settings = self.settings

        @bp.listener("after_server_start")
        async def register_webhook(app: Any, loop: Any) -> None:
            async def register() -> None:
                delay = REGISTER_RETRY_FIRST_S
                while not await self.output().set_webhook(settings["webhook_url"], settings["secret"]):
                    logger.warning("Could not register the Telegram webhook (Telegram unreachable or token wrong); "
                                   "the server runs on and tries again in %s s", delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, REGISTER_RETRY_MAX_S)
                logger.info("Telegram webhook registered at %s", settings["webhook_url"])
            app.add_task(register())  # in the background: startup never waits on Telegram

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), settings["secret"].encode()):
                return response.json({"error": "forbidden"}, status=403)
            try:
                update_id, chat_id, text, is_button = read_update(request.json)
            except Exception:
                return response.json({"error": "expected a Telegram update (JSON with update_id)"}, status=400)
            if not self.seen.first_time(update_id, request.app):
                return response.json({"status": "duplicate"})
            if chat_id is None:
                return response.json({"status": "ignored"})
            out = self.output()
            if is_button:
                query = request.json["callback_query"]
                await out.answer_callback(str(query.get("id")))
            if not await self.deliver(on_new_message, out, chat_id, update_id, text):
                return response.json({"error": "temporary failure"}, status=500)  # Telegram retries
            return response.json({"status": "ok"})

        return bp
