"""The web chat: a JSON webhook, the conversation history for page reloads, and the chat page itself.

Served by the Rasa server under /webhooks/webchat/, so the page and its API share one origin and the
page needs nothing from any other host. A clinic embedding the widget on its own site lists that
site in ``allowed_origins`` (credentials.yml).

The sender id is a random 128-bit id the browser makes and keeps in localStorage; it is the only key
to a conversation, so it is checked for shape and length and never derived from anything guessable.
"""
from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import HELD_WITHOUT_ANSWER, trouble_text, user_text
from coach.clinic import clinic
from coach.log_chart import parse_chart_path, week_chart_png

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "webchat"
STATIC_FILES = {"widget.js": "application/javascript", "widget.css": "text/css", "index.html": "text/html"}
SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A parent's message is a few sentences; 4,000 characters is generous and keeps a pasted essay or an
# attack from tying up the NLU pipeline.
MAX_MESSAGE_CHARS = 4000


class BadRequest(ValueError):
    """A request the page should never send; the message is safe to show."""


_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


def message_metadata(body: Any) -> Dict[str, str]:
    """What the page may tell about a message: only the parent's local clock time, if well formed.

    Anything else in ``metadata`` is dropped, so a page cannot put arbitrary data in the tracker.
    """
    metadata = body.get("metadata") if isinstance(body, dict) else None
    local_time = metadata.get("local_time") if isinstance(metadata, dict) else None
    if isinstance(local_time, str) and _LOCAL_TIME.fullmatch(local_time):
        return {"local_time": local_time}
    return {}


def parse_message_body(body: Any, max_chars: int = MAX_MESSAGE_CHARS) -> "tuple[str, str]":
    """(sender, text) from a webhook body, or BadRequest with a reason a person can read."""
    if not isinstance(body, dict):
        raise BadRequest("Expected a JSON object with 'sender' and 'message'.")
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER_RE.match(sender):
        raise BadRequest("'sender' must be 16-64 letters, digits, '-' or '_'.")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("The message is empty. Please type something.")
    if len(text) > max_chars:
        raise BadRequest(f"That message is too long (over {max_chars} characters). Could you shorten it?")
    return sender, user_text(text)


def history_messages(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The current session's user and bot messages, as the page shows them."""
    current: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            current = []
        elif kind == "user" and event.get("text"):
            current.append({"from": "user", "text": event["text"]})
        elif kind == "bot" and (event.get("metadata") or {}).get("staff"):
            # A person from the clinic (channels/staff.py): shown with the name they chose.
            current.append({"from": "staff", "name": event["metadata"]["staff"], "text": event.get("text") or ""})
        elif kind == "bot" and (event.get("text") or (event.get("data") or {}).get("buttons")
                                or (event.get("data") or {}).get("image")):
            data = event.get("data") or {}
            shown = {"from": "bot", "text": event.get("text") or "", "buttons": data.get("buttons") or []}
            if data.get("image"):
                shown["image"] = data["image"]
            if (event.get("metadata") or {}).get("checkin"):
                shown["checkin"] = True  # sent by the scheduler, not in answer to a message: the page adds it
            current.append(shown)
    return current


def trouble_message() -> Dict[str, Any]:
    return {"recipient_id": None, "text": trouble_text()}


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(allowed_origins=credentials.get("allowed_origins") or [])

    def __init__(self, allowed_origins: Optional[List[str]] = None) -> None:
        self.allowed_origins = set(allowed_origins or [])

    def _cors(self, request: Request, resp: HTTPResponse) -> HTTPResponse:
        origin = request.headers.get("origin")
        if origin and origin in self.allowed_origins:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Vary"] = "Origin"
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        return resp

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await static(request, "index.html")

        @bp.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return response.json({"error": "not found"}, status=404)
            body = (STATIC_DIR / name).read_bytes()
            resp = response.raw(body, content_type=f"{STATIC_FILES[name]}; charset=utf-8")
            resp.headers["Cache-Control"] = "no-cache"
            return self._cors(request, resp)

        @bp.route("/webhook", methods=["POST", "OPTIONS"])
        async def receive(request: Request) -> HTTPResponse:
            if request.method == "OPTIONS":
                return self._cors(request, response.empty())
            try:
                body = request.json
            except Exception:  # sanic raises InvalidUsage on malformed JSON
                return self._cors(request, response.json({"error": "The request body is not valid JSON."}, status=400))
            try:
                sender, text = parse_message_body(body)
            except BadRequest as exc:
                return self._cors(request, response.json({"error": str(exc)}, status=400))
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=message_metadata(body) or None))
            except Exception:
                logger.exception("webchat: handling a message failed")
                # The user message may not be stored; say so plainly and let the page offer a retry.
                return self._cors(request, response.json({"error": "trouble", "messages": [trouble_message()]}, status=503))
            # No answer is expected while a person from the clinic holds the chat (channels/staff.py).
            messages = collector.messages or ([] if sender in HELD_WITHOUT_ANSWER else [trouble_message()])
            return self._cors(request, response.json({"messages": messages}))

        @bp.route("/chart/<end>/<values>", methods=["GET"])
        async def chart(request: Request, end: str, values: str) -> HTTPResponse:
            # The week's pumping log as a PNG drawn here (coach/log_chart.py): no chart script in the page.
            week = parse_chart_path(f"{end}/{values}")
            if week is None:
                return self._cors(request, response.json({"error": "not a chart"}, status=404))
            png = await asyncio.get_running_loop().run_in_executor(None, week_chart_png, week)
            resp = response.raw(png, content_type="image/png")
            resp.headers["Cache-Control"] = "private, max-age=86400"
            return self._cors(request, resp)

        @bp.route("/history/<sender>", methods=["GET", "OPTIONS"])
        async def history(request: Request, sender: str) -> HTTPResponse:
            if request.method == "OPTIONS":
                return self._cors(request, response.empty())
            if not SENDER_RE.match(sender):
                return self._cors(request, response.json({"error": "unknown conversation"}, status=400))
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            events = [e.as_dict() for e in tracker.events] if tracker else []
            c = clinic()
            return self._cors(request, response.json({
                "messages": history_messages(events),
                "clinic": {"name": c.name, "phone": c.phone, "hours": c.hours, "emergency": c.emergency_number},
            }))

        return bp
