"""WhatsApp through Twilio, verified with Twilio's own RequestValidator.

The signature covers the public URL Twilio called, so TWILIO_WEBHOOK_URL must be exactly the URL set
in the Twilio console (behind a proxy the server's own view of the URL differs). Twilio's WhatsApp
has no free-form buttons, so options are sent as a numbered list and a reply "2" means option 2.
"""
from __future__ import annotations

import json
import logging
import urllib.parse
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import urlsplit

import aiohttp
import sqlalchemy as sa
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels import schema
from channels.common import (
    VerifiedInputChannel,
    app_sql_engine,
    button_titles,
    post_with_retry,
    split_text,
)
from coach import content

logger = logging.getLogger(__name__)

ENV = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "number": "TWILIO_WHATSAPP_NUMBER",
    "webhook_url": "TWILIO_WEBHOOK_URL",
    "api_url": "TWILIO_API_URL?",
}
DEFAULT_API_URL = "https://api.twilio.com"
# Twilio caps a WhatsApp message body at 1,600 characters.
MAX_TEXT = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class NumberedOptions:
    """The last options offered to each sender, so a reply "2" can be read as option 2.

    With an SQL tracker store they are kept in its database (`twilio_numbered_options`): the menu may
    be sent by one Rasa worker (or a check-in, or a staff reply) and the "2" read by another. Without
    one, in this process's memory.
    """

    def __init__(self, max_senders: int = 10_000) -> None:
        self._options: "OrderedDict[str, List[str]]" = OrderedDict()
        self.max_senders = max_senders
        self.engine: Optional[sa.engine.Engine] = None

    def use_database(self, engine: Optional[sa.engine.Engine]) -> None:
        if engine is not None and self.engine is None:
            schema.ensure(engine)
            self.engine = engine

    def bind(self, app: Any) -> None:
        """Use the database of the app's agent, once it has one."""
        if self.engine is None:
            self.use_database(app_sql_engine(app))

    def offer(self, sender: str, payloads: List[str]) -> None:
        if self.engine is not None:
            with self.engine.begin() as conn:
                conn.execute(_options_table.delete().where(_options_table.c.sender == sender))
                conn.execute(_options_table.insert().values(sender=sender, payloads=json.dumps(payloads)))
            return
        self._options[sender] = payloads
        self._options.move_to_end(sender)
        while len(self._options) > self.max_senders:
            self._options.popitem(last=False)

    def _offered(self, sender: str) -> List[str]:
        if self.engine is not None:
            with self.engine.connect() as conn:
                stored = conn.execute(sa.select(_options_table.c.payloads)
                                      .where(_options_table.c.sender == sender)).scalar()
            return json.loads(stored) if stored else []
        return self._options.get(sender) or []

    def read(self, sender: str, text: str) -> str:
        choice = text.strip().rstrip(".)")
        if not choice.isdigit():
            return text  # only a number needs the menu (and a database read)
        options = self._offered(sender)
        if 1 <= int(choice) <= len(options):
            return options[int(choice) - 1]
        return text


_options_metadata = sa.MetaData()
_options_table = sa.Table(
    "twilio_numbered_options", _options_metadata,
    sa.Column("sender", sa.String(255), primary_key=True),
    sa.Column("payloads", sa.Text, nullable=False),
)
# One record shared by the webhook and by what the server sends on its own (a check-in, a staff
# reply): a "1" typed after a check-in's numbered options must mean its option 1, and a staff message
# without options must make "1" mean just "1" again.
OFFERED = NumberedOptions()


class TwilioWhatsAppOutput(OutputChannel):
    @classmethod
    def name(cls) -> Text:
        # Not "twilio": that is Rasa's built-in connector, and two channels of one name share a webhook path.
        return "twilio_whatsapp"

    def __init__(self, settings: Dict[str, str], options: NumberedOptions) -> None:
        base = (settings["api_url"] or DEFAULT_API_URL).rstrip("/")
        self.url = f"{base}/2010-04-01/Accounts/{settings['account_sid']}/Messages.json"
        self.auth = aiohttp.BasicAuth(settings["account_sid"], settings["auth_token"])
        self.number = settings["number"]
        self.webhook_url = settings.get("webhook_url") or ""
        self.options = options
        self.sent = 0  # 0 after handling a message means the assistant produced nothing

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.options.offer(recipient_id, [])  # a message without options: "1" means just "1" again
        await self._send_text(recipient_id, text)

    async def _send_text(self, recipient_id: Text, text: Text) -> None:
        for piece in split_text(text, MAX_TEXT):
            self.sent += 1
            await post_with_retry(self.url, data={"From": self.number, "To": recipient_id, "Body": piece},
                                  auth=self.auth, what="twilio message")

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """Twilio fetches media itself: the pumping-log chart goes by the assistant's public address (the
        same host as TWILIO_WEBHOOK_URL, whose /webhooks/ the clinic's proxy already forwards)."""
        if image.startswith("/"):
            parts = urlsplit(self.webhook_url)
            image = f"{parts.scheme}://{parts.netloc}{image}"
        self.sent += 1
        await post_with_retry(self.url, data={"From": self.number, "To": recipient_id, "MediaUrl": image},
                              auth=self.auth, what="twilio media message")

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        titles = button_titles(buttons)
        self.options.offer(recipient_id, [str(b.get("payload") or t) for b, t in zip(buttons, titles, strict=True)])
        menu = "\n".join(content.text("channel_numbered_option", number=i, title=title)
                         for i, title in enumerate(titles, start=1))
        await self._send_text(recipient_id, content.text("channel_numbered_options", text=text, menu=menu))


class TwilioWhatsAppInput(VerifiedInputChannel):
    ENV = ENV

    @classmethod
    def name(cls) -> Text:
        # Not "twilio": that is Rasa's built-in connector, and two channels of one name share a webhook path.
        return "twilio_whatsapp"

    def __init__(self, settings: Optional[Dict[str, str]]) -> None:
        super().__init__(settings)
        self.options = OFFERED
        if settings and not settings["number"].startswith("whatsapp:"):
            raise ValueError("TWILIO_WHATSAPP_NUMBER must look like whatsapp:+15551234567")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("twilio_whatsapp", __name__)
        if not self.settings:
            return bp
        settings = self.settings
        validator = RequestValidator(settings["auth_token"])

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            # Parse the raw body ourselves: Sanic's form parser drops empty fields (Body="" on a photo),
            # but Twilio signs every field it sent, empty ones included.
            form = {key: values[0] for key, values in
                    urllib.parse.parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
            if not validator.validate(settings["webhook_url"], form, request.headers.get("X-Twilio-Signature", "")):
                return response.json({"error": "bad signature"}, status=403)
            sid, sender = form.get("MessageSid"), form.get("From")
            if not sid or not sender:
                return response.json({"error": "expected MessageSid and From"}, status=400)
            twiml = response.text(EMPTY_TWIML, content_type="text/xml")
            if not self.seen.first_time(sid, request.app):
                return twiml
            self.options.bind(request.app)
            body = (form.get("Body") or "").strip()  # empty for media only (photo, voice note, location)
            text = self.options.read(sender, body) if body else None
            if not await self.deliver(on_new_message, TwilioWhatsAppOutput(settings, self.options), sender, sid, text):
                return response.json({"error": "temporary failure"}, status=500)  # Twilio retries
            return twiml

        return bp
