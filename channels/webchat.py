"""The web chat: a JSON webhook, the conversation history for page reloads, and the chat page itself.

Served by the Rasa server under /webhooks/webchat/, so the page and its API share one origin and the
page needs nothing from any other host. A clinic embedding the widget on its own site lists that
site in ``allowed_origins`` (credentials.yml); only those sites may frame the chat page.

The sender id is a random 128-bit id the browser makes and keeps in localStorage; it is the only key
to a conversation, so it is checked for shape and length and never derived from anything guessable.

The widget's own words (content/en/webchat.yml) are written into widget.js and index.html as they are
served: the page needs neither an inline script nor a second request, and a translation no JavaScript change.
"""
from __future__ import annotations

import asyncio
import functools
import html
import json
import logging
import math
import re
import time
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import HELD_WITHOUT_ANSWER, trouble_text, user_text
from channels.erasure import ERASED
from coach import content
from coach.clinic import clinic
from coach.log_chart import chart_path, parse_chart_path, week_chart_png

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "webchat"
STATIC_FILES = {"widget.js": "application/javascript", "widget.css": "text/css", "index.html": "text/html"}
# Always checked with fullmatch (valid_sender): with .match, "$" also matches before a trailing newline.
SENDER_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A parent's message is a few sentences; 4,000 characters is generous and keeps a pasted essay or an
# attack from tying up the NLU pipeline.
MAX_MESSAGE_CHARS = 4000

# The words widget.js shows (content/en/webchat.yml), by id; the widget reads them by the same ids.
WIDGET_TEXT_IDS = (
    "webchat_title", "webchat_region_label", "webchat_log_label", "webchat_disclaimer", "webchat_erase",
    "webchat_input_label", "webchat_input_placeholder", "webchat_send", "webchat_greeting",
    "webchat_quick_replies_label", "webchat_typing", "webchat_chart_alt", "webchat_staff_name",
    "webchat_staff_default_name", "webchat_erased", "webchat_unreachable", "webchat_send_failed",
    "webchat_send_failed_call", "webchat_not_sent", "webchat_maybe_not_received", "webchat_try_again",
    "webchat_launcher",
)
# Where widget.js gets them: this exact text in the file is replaced by a JSON object (widget_texts).
WIDGET_TEXTS_MARKER = "/*TEXTS*/null"
# Where index.html gets its language and title (escaped for HTML).
PAGE_LANGUAGE_MARKER = "__LANG__"
PAGE_TITLE_MARKER = "__TITLE__"


# On every answer: the browser takes each body as the type it is sent as (a stored message is never run
# as a script or a page), and no page address leaks to other hosts in a Referer.
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# A site in allowed_origins as a CSP source: scheme, host, optional port, nothing that could end the
# directive (";", spaces) and add another.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")
# Drawing one chart takes 0.08-0.12 s of a core (matplotlib, measured 2026-12-07). Four a second keeps a
# flood of made-up chart addresses under half a core per worker, and is far above real use: a parent
# gets one chart per log summary they ask for, and the browser keeps it a day.
CHART_RENDERS_PER_S = 4
# Enough to draw a reloaded conversation's few charts at once instead of refusing some.
CHART_BURST = 8
# About 22 kB a chart, so under 3 MB per worker, for the charts parents are looking at now.
CHART_CACHE_SIZE = 128


def valid_sender(sender: Any) -> bool:
    return isinstance(sender, str) and SENDER_RE.fullmatch(sender) is not None


def widget_texts(language: str = content.DEFAULT_LANGUAGE) -> Dict[str, Any]:
    """What widget.js shows: its texts by id (templates: the widget fills their {placeholders}), and the
    titles of the quick replies offered before the first message, the greeting's own (utter_greet)."""
    return {
        "texts": {text_id: content.text(text_id, language) for text_id in WIDGET_TEXT_IDS},
        "greeting_buttons": content.button_titles("utter_greet", language),
    }


@functools.lru_cache(maxsize=None)  # built once per file and language: the page loads it on every visit
def static_body(name: str, language: str = content.DEFAULT_LANGUAGE) -> bytes:
    """A file of webchat/ as served: widget.js with its texts, index.html with its language and title."""
    body = (STATIC_DIR / name).read_text(encoding="utf-8")
    if name == "widget.js":
        # ASCII-only JSON is a valid JavaScript expression; the file is never inside an HTML page.
        body = body.replace(WIDGET_TEXTS_MARKER, json.dumps(widget_texts(language), sort_keys=True), 1)
    elif name == "index.html":
        body = (body.replace(PAGE_LANGUAGE_MARKER, html.escape(language))
                .replace(PAGE_TITLE_MARKER, html.escape(content.text("webchat_title", language))))
    return body.encode("utf-8")


def page_policy(frame_origins: Iterable[str]) -> str:
    """The chat page's Content-Security-Policy.

    Its own script and style only: index.html has no inline code and widget.js sets no inline styles.
    Images (the charts) and requests only to this server. Framed only by this site and the clinics'
    sites (allowed_origins); the widget script on a clinic's page is not governed by this.
    """
    ancestors = " ".join(["'self'", *sorted(o for o in frame_origins if _ORIGIN.fullmatch(o))])
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")


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
    if not valid_sender(sender):
        raise BadRequest("'sender' must be 16-64 letters, digits, '-' or '_'.")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(content.text("webchat_error_empty"))
    if len(text) > max_chars:
        raise BadRequest(content.text("webchat_error_too_long", max_chars=max_chars))
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


Week = List[Tuple[date, float]]


def draw_chart(week: Week) -> Optional[bytes]:
    """The PNG, or None for a week the chart code cannot draw (answered 404, like any other non-chart)."""
    try:
        return week_chart_png(week)
    except (OverflowError, ValueError) as err:
        logger.warning("webchat: chart not drawn: %s", type(err).__name__)
        return None


class ChartRenders:
    """This process's chart drawing: recent charts kept (LRU), new ones at most `rate` a second across all
    clients (a token bucket holding up to `burst`).

    Used from the server's event loop only (the drawing itself runs in a thread), so it needs no lock.
    """

    def __init__(self, rate: float = CHART_RENDERS_PER_S, burst: int = CHART_BURST, size: int = CHART_CACHE_SIZE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.size, self.clock = rate, burst, size, clock
        self.tokens, self.updated = float(burst), clock()
        self.kept: "OrderedDict[str, bytes]" = OrderedDict()

    def cached(self, key: str) -> Optional[bytes]:
        png = self.kept.get(key)
        if png is not None:
            self.kept.move_to_end(key)
        return png

    def keep(self, key: str, png: bytes) -> None:
        self.kept[key] = png
        self.kept.move_to_end(key)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)

    def wait_s(self) -> float:
        """0 (and one drawing counted) if a chart may be drawn now, else the seconds until one may."""
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


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
        for origin in self.allowed_origins:
            if not _ORIGIN.fullmatch(origin):
                logger.warning("webchat: allowed_origins entry %r is not an origin like https://clinic.example; "
                               "it may not frame the chat page", origin)
        self.policy = page_policy(self.allowed_origins)
        self.charts = ChartRenders()

    def _cors(self, request: Request, resp: HTTPResponse) -> HTTPResponse:
        """Every answer passes here: CORS for the clinics' sites, and the headers every answer carries."""
        resp.headers.update(COMMON_HEADERS)
        origin = request.headers.get("origin")
        if origin and origin in self.allowed_origins:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Vary"] = "Origin"
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        return resp

    def _page_headers(self, resp: HTTPResponse, content_type: str) -> None:
        resp.headers["Content-Security-Policy"] = self.policy
        if content_type == "text/html":
            # For browsers without frame-ancestors; those with it follow the policy, which adds the clinics.
            resp.headers["X-Frame-Options"] = "SAMEORIGIN"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await static(request, "index.html")

        @bp.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return self._cors(request, response.json({"error": "not found"}, status=404))
            resp = response.raw(static_body(name), content_type=f"{STATIC_FILES[name]}; charset=utf-8")
            resp.headers["Cache-Control"] = "no-cache"
            self._page_headers(resp, STATIC_FILES[name])
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
            if ERASED.get():
                # The parent had the conversation deleted (channels/erasure.py): the page forgets its id.
                return self._cors(request, response.json({"messages": messages, "erased": True}))
            return self._cors(request, response.json({"messages": messages}))

        @bp.route("/chart/<end>/<values>", methods=["GET"])
        async def chart(request: Request, end: str, values: str) -> HTTPResponse:
            # The week's pumping log as a PNG drawn here (coach/log_chart.py): no chart script in the page.
            week = parse_chart_path(f"{end}/{values}")
            if week is None:
                return self._cors(request, response.json({"error": "not a chart"}, status=404))
            key = chart_path(week)  # one spelling per chart ("007" and "7" are one chart)
            png = self.charts.cached(key)
            if png is None:
                wait = self.charts.wait_s()
                if wait:
                    busy = response.json({"error": "too many charts at once, try again shortly"}, status=429)
                    busy.headers["Retry-After"] = str(max(1, math.ceil(wait)))
                    return self._cors(request, busy)
                png = await asyncio.get_running_loop().run_in_executor(None, draw_chart, week)
                if png is None:
                    return self._cors(request, response.json({"error": "not a chart"}, status=404))
                self.charts.keep(key, png)
            resp = response.raw(png, content_type="image/png")
            resp.headers["Cache-Control"] = "private, max-age=86400"
            return self._cors(request, resp)

        @bp.route("/history/<sender>", methods=["GET", "OPTIONS"])
        async def history(request: Request, sender: str) -> HTTPResponse:
            if request.method == "OPTIONS":
                return self._cors(request, response.empty())
            if not valid_sender(sender):
                return self._cors(request, response.json({"error": "unknown conversation"}, status=400))
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            events = [e.as_dict() for e in tracker.events] if tracker else []
            c = clinic()
            return self._cors(request, response.json({
                "messages": history_messages(events),
                "clinic": {"name": c.name, "phone": c.phone, "hours": c.hours, "emergency": c.emergency_number},
            }))

        return bp
