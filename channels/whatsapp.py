"""WhatsApp through Meta's Cloud API (Rasa 3.6 has no connector for it).

GET answers Meta's verification handshake; every POST must carry X-Hub-Signature-256, the HMAC-SHA256
of the raw body with the app secret. Settings come from the environment; unset means off.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import VerifiedInputChannel, button_titles, post_with_retry, split_text
from coach import content
from coach.log_chart import parse_chart_path, week_chart_png

logger = logging.getLogger(__name__)

ENV = {
    "access_token": "WHATSAPP_ACCESS_TOKEN",
    "app_secret": "WHATSAPP_APP_SECRET",
    "verify_token": "WHATSAPP_VERIFY_TOKEN",
    "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "api_url": "WHATSAPP_API_URL?",
}
DEFAULT_API_URL = "https://graph.facebook.com/v19.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"
# WhatsApp's limits for interactive messages (developers.facebook.com, "Interactive messages").
MAX_TEXT = 4096
MAX_BUTTON_BODY = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def interactive_for(text: str, buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Reply buttons when they fit (at most 3, short titles), else a list message."""
    titles = button_titles(buttons)
    payloads = [str(b.get("payload") or t) for b, t in zip(buttons, titles, strict=True)]
    if len(buttons) <= MAX_REPLY_BUTTONS and all(len(t) <= MAX_BUTTON_TITLE for t in titles):
        return {"type": "button", "body": {"text": text},
                "action": {"buttons": [{"type": "reply", "reply": {"id": p[:256], "title": t}}
                                       for t, p in zip(titles, payloads, strict=True)]}}
    rows = []
    for title, payload in list(zip(titles, payloads, strict=True))[:MAX_LIST_ROWS]:
        row = {"id": payload[:MAX_ROW_ID], "title": title[:MAX_ROW_TITLE]}
        if len(title) > MAX_ROW_TITLE:
            row["description"] = title[:MAX_ROW_DESCRIPTION]  # the whole title, where the row title is cut
        rows.append(row)
    return {"type": "list", "body": {"text": text},
            "action": {"button": content.text("channel_list_button"),
                       "sections": [{"title": content.text("channel_list_section"), "rows": rows}]}}


class WhatsAppOutput(OutputChannel):
    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, settings: Dict[str, str]) -> None:
        self.url = f"{(settings['api_url'] or DEFAULT_API_URL).rstrip('/')}/{settings['phone_number_id']}/messages"
        self.media_url = self.url[:-len("messages")] + "media"
        self.headers = {"Authorization": f"Bearer {settings['access_token']}"}
        self.sent = 0  # 0 after handling a message means the assistant produced nothing

    async def _post(self, to: str, kind: str, content: Dict[str, Any]) -> None:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: content}
        self.sent += 1
        await post_with_retry(self.url, json=body, headers=self.headers, what=f"whatsapp {kind} message")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for piece in split_text(text, MAX_TEXT):
            await self._post(recipient_id, "text", {"body": piece})

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """The pumping-log chart is drawn here and uploaded to Meta's media store, then sent by its id;
        any other image goes by its address."""
        week = parse_chart_path(image)
        if week is None:
            await self._post(recipient_id, "image", {"link": image})
            return
        png = await asyncio.get_running_loop().run_in_executor(None, week_chart_png, week)

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("messaging_product", "whatsapp")
            data.add_field("type", "image/png")
            data.add_field("file", png, filename="pumping-log.png", content_type="image/png")
            return data

        uploaded = await post_with_retry(self.media_url, data=form, headers=self.headers, what="whatsapp media upload")
        if uploaded and uploaded.get("id"):
            await self._post(recipient_id, "image", {"id": str(uploaded["id"])})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        body = text
        if len(text) > MAX_BUTTON_BODY:  # too long for an interactive body: send it plainly first
            await self.send_text_message(recipient_id, text)
            body = content.text("channel_choose_option")
        await self._post(recipient_id, "interactive", interactive_for(body, buttons))


def incoming_messages(payload: Any) -> Iterator[Tuple[str, str, Optional[str]]]:
    """(message id, sender phone, text or None for media) for each message in a webhook payload.

    Status callbacks (sent, delivered, read) carry no messages and yield nothing.
    """
    if not isinstance(payload, dict):
        raise ValueError("not a WhatsApp webhook payload")
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            for message in (change.get("value") or {}).get("messages") or []:
                kind = message.get("type")
                text: Optional[str] = None
                if kind == "text":
                    text = (message.get("text") or {}).get("body")
                elif kind == "interactive":
                    reply = message.get("interactive") or {}
                    text = (reply.get("button_reply") or reply.get("list_reply") or {}).get("id")
                elif kind == "button":
                    text = (message.get("button") or {}).get("payload") or (message.get("button") or {}).get("text")
                if not message.get("id") or not message.get("from"):
                    continue  # without an id it cannot be de-duplicated, without a sender not answered
                yield str(message["id"]), str(message["from"]), text if isinstance(text, str) else None


class WhatsAppCloudInput(VerifiedInputChannel):
    ENV = ENV

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("whatsapp_cloud", __name__)
        if not self.settings:
            return bp
        settings = self.settings

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            mode = request.args.get("hub.mode", "")
            token = request.args.get("hub.verify_token", "")
            if mode == "subscribe" and hmac.compare_digest(token.encode(), settings["verify_token"].encode()):
                return response.text(request.args.get("hub.challenge", ""))
            return response.json({"error": "verification failed"}, status=403)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SIGNATURE_HEADER)
            if not given:
                return response.json({"error": "missing signature"}, status=401)
            if not hmac.compare_digest(given.encode(), signature(settings["app_secret"], request.body).encode()):
                return response.json({"error": "bad signature"}, status=403)
            try:
                messages = list(incoming_messages(request.json))
            except Exception:
                return response.json({"error": "expected a WhatsApp webhook payload"}, status=400)
            for message_id, sender, text in messages:
                if not self.seen.first_time(message_id, request.app):
                    continue
                if not await self.deliver(on_new_message, WhatsAppOutput(settings), sender, message_id, text):
                    return response.json({"error": "temporary failure"}, status=500)  # Meta retries
            return response.json({"status": "ok"})

        return bp
