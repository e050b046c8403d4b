"""A person from the clinic in the parent's own chat: take over, reply, hand back.

The review app calls these routes on the Rasa server directly: loopback only, never through the
clinic's proxy, each request signed with STAFF_API_SECRET and usable once (``StaffInput._verify``).
A takeover adds Rasa's own ConversationPaused event, so the tracker shows it and Rasa stores every
message but predicts nothing; a hand-back adds ConversationResumed. Staff replies
are stored as the assistant's messages with ``metadata.staff`` (the name the parent sees) and sent on
the channel the parent used; the web chat shows them by polling its history.

Two things Rasa 3.6 does not do by itself, done here:
* a red flag while a person holds the chat still gets the human-contact answer at once (Rasa would
  say nothing), see ``_handle_while_paused``;
* a message that got no answer because a person holds the chat is not "the assistant failed", so the
  channels do not send their trouble text (``channels.common.HELD_WITHOUT_ANSWER``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import twilio_whatsapp, whatsapp
from channels.common import HELD_WITHOUT_ANSWER, SeenIds, env_settings
from channels.outbound import PLATFORM_CHANNELS, channel_of, last_user_at, output_for, send_template
from coach import checkins, content
from coach.vocabulary import RED_FLAG_INTENT, RED_FLAG_SLOT
from serving.health import LOOPBACK, PROXY_HEADERS

logger = logging.getLogger(__name__)

ENV = {"secret": "STAFF_API_SECRET"}
SIGNATURE_HEADER = "X-Staff-Signature"
# A random 128-bit value per request (review/handoff.py, secrets.token_hex(16)), signed with the body.
NONCE_HEADER = "X-Staff-Nonce"
NONCE_RE = re.compile(r"[0-9a-f]{32}")
# A signed request older than this is refused, and within it each nonce is taken once, so a captured
# request cannot be replayed. Five minutes covers clocks a little apart on two hosts sharing one database.
MAX_AGE_S = 300
# LOOPBACK and PROXY_HEADERS (serving/health.py): behind the clinic's proxy every request comes from
# loopback, so the address check alone lets the internet in; the review app calls these routes
# directly, never through a proxy, so a request carrying a proxy's header came from outside.
# The seen-ids store the messaging channels use for platform retries, so a nonce taken by one worker or
# server is refused by every other one sharing the tracker store's database.
NONCE_NAMESPACE = "staff-nonce"

# What the parent reads when a person joins, leaves or the chat is handed back after a quiet spell:
# templates with {name} (and {clinic} for JOINED), filled in where they are sent.
JOINED = content.text("channel_staff_joined")
LEFT = content.text("channel_staff_left")
LEFT_IDLE = content.text("channel_staff_left_idle")

def _rule_red_flag(tracker: DialogueStateTracker) -> bool:
    latest = tracker.latest_message
    if latest is None or latest.intent.get("name") != RED_FLAG_INTENT:
        return False
    return any(e.get("entity") == RED_FLAG_SLOT for e in latest.entities)


_rasa_should_handle = MessageProcessor._should_handle_message


def _handle_while_paused(tracker: DialogueStateTracker) -> bool:
    """Rasa's check, plus: a red flag the phrase rules found is answered even while a person holds the chat."""
    if _rasa_should_handle(tracker):
        HELD_WITHOUT_ANSWER.discard(tracker.sender_id)
        return True
    if _rule_red_flag(tracker):
        return True
    HELD_WITHOUT_ANSWER.add(tracker.sender_id)
    return False


# Rasa 3.6 offers no hook for this: its own check is wrapped, not copied, so a Rasa upgrade keeps
# its behaviour and only adds the red-flag exception.
MessageProcessor._should_handle_message = staticmethod(_handle_while_paused)


def signature(body: bytes, secret: str, nonce: str) -> str:
    """What review/handoff.py sends: the nonce is signed with the body (which holds the time), so a
    captured request cannot be sent again under a new nonce."""
    return "sha256=" + hmac.new(secret.encode(), nonce.encode() + b"." + body, hashlib.sha256).hexdigest()


def window_open(tracker: DialogueStateTracker, now: float) -> bool:
    """Can a free-form message reach this parent now? Only WhatsApp limits it."""
    return checkins.window_open(channel_of(tracker), last_user_at(tracker), now)


class Delivery:
    """Sends one text to a parent on the channel they used; the web chat fetches it from history."""

    @staticmethod
    async def text(channel: Optional[str], recipient: str, text: str) -> None:
        out = output_for(channel)
        if out is not None:
            await out.send_text_message(recipient, text)
        elif channel in PLATFORM_CHANNELS:
            raise LookupError(f"{channel} is not set up on this server")
        # web chat (and the REST channel): the page polls /history and shows it

    @staticmethod
    async def template(channel: Optional[str], recipient: str) -> str:
        """The clinic's approved WhatsApp template ("the clinic has replied, answer to read it")."""
        if channel == "whatsapp":
            settings = env_settings({**whatsapp.ENV, "template": "WHATSAPP_TEMPLATE_NAME"})
            if not settings:
                raise LookupError("no template: set WHATSAPP_TEMPLATE_NAME")
        elif channel == "twilio_whatsapp":
            settings = env_settings({**twilio_whatsapp.ENV, "template": "TWILIO_TEMPLATE_SID"})
            if not settings:
                raise LookupError("no template: set TWILIO_TEMPLATE_SID")
        else:
            raise LookupError("templates are only for WhatsApp")
        await send_template(channel, recipient, settings["template"])
        return settings["template"]


class StaffInput(InputChannel):
    """Routes for the review app: /webhooks/staff/{state,takeover,reply,release,template}."""

    @classmethod
    def name(cls) -> Text:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(env_settings(ENV))

    def __init__(self, settings: Optional[Dict[str, str]]) -> None:
        self.settings = settings
        # Kept as long as the platforms' ids (SeenIds' default, a day), not MAX_AGE_S: its clean-up clears
        # every channel's old ids at once, so a shorter time here would forget theirs too early. A nonce
        # only needs 2 x MAX_AGE_S (a time up to MAX_AGE_S ahead is still accepted).
        self.nonces = SeenIds(namespace=NONCE_NAMESPACE)
        if not settings:
            logger.info("staff channel off: set STAFF_API_SECRET (make run does) to let staff take over chats")

    def _verify(self, request: Request) -> Dict[str, Any]:
        if request.ip not in LOOPBACK:
            raise PermissionError("staff routes answer on loopback only")
        if any(name in request.headers for name in PROXY_HEADERS):
            raise PermissionError("staff routes are not served through a proxy")
        nonce = request.headers.get(NONCE_HEADER, "")
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = signature(request.body, self.settings["secret"], nonce)
        if not NONCE_RE.fullmatch(nonce) or not hmac.compare_digest(given.encode(), expected.encode()):
            raise PermissionError("bad signature")
        body = json.loads(request.body or b"{}")
        # Written as "not within", so a time of NaN (which JSON lets through) is stale too.
        if not isinstance(body, dict) or not abs(time.time() - float(body.get("ts", 0))) <= MAX_AGE_S:
            raise PermissionError("stale or malformed request")
        # Only now, signed and fresh: nobody without the secret can fill the store with nonces.
        if not self.nonces.first_time(nonce, request.app):
            raise PermissionError("this request was already used")
        if not isinstance(body.get("sender_id"), str) or not body["sender_id"]:
            raise ValueError("sender_id is needed")
        return body

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("staff", __name__)
        if not self.settings:
            return bp

        def route(handler: Callable) -> Callable:
            async def wrapped(request: Request) -> HTTPResponse:
                try:
                    body = self._verify(request)
                except PermissionError as err:
                    return response.json({"error": str(err)}, status=403)
                except ValueError as err:
                    return response.json({"error": str(err) or "malformed body"}, status=400)
                agent = request.app.ctx.agent
                twilio_whatsapp.OFFERED.bind(request.app)  # a staff reply resets a Twilio parent's menu
                async with agent.lock_store.lock(body["sender_id"]):
                    tracker = await agent.tracker_store.retrieve(body["sender_id"])
                    if tracker is None:
                        return response.json({"error": "no such conversation"}, status=404)
                    return await handler(agent, tracker, body)
            wrapped.__name__ = handler.__name__
            return wrapped

        @bp.route("/state", methods=["POST"])
        @route
        async def state(agent, tracker, body) -> HTTPResponse:
            return response.json(_state(tracker))

        @bp.route("/takeover", methods=["POST"])
        @route
        async def takeover(agent, tracker, body) -> HTTPResponse:
            if tracker.is_paused():
                return response.json({**_state(tracker), "error": "already held"}, status=409)
            from coach.clinic import clinic
            name = _staff_name(body)
            text = content.text("channel_staff_joined", name=name, clinic=clinic().name)
            await _record(agent, tracker, [ConversationPaused(), _staff_message(text, name, "joined", body)])
            if not window_open(tracker, time.time()):
                return response.json(_state(tracker))  # WhatsApp cannot be told outside its window: the template can
            return await _send(tracker, text, _state(tracker))

        @bp.route("/reply", methods=["POST"])
        @route
        async def reply(agent, tracker, body) -> HTTPResponse:
            text = str(body.get("text") or "").strip()
            if not text:
                return response.json({"error": "the reply is empty"}, status=400)
            if not tracker.is_paused():
                return response.json({**_state(tracker), "error": "take the conversation over first"}, status=409)
            if not window_open(tracker, time.time()):
                return response.json({**_state(tracker), "error": "whatsapp_window_closed"}, status=409)
            try:
                await Delivery.text(channel_of(tracker), tracker.sender_id, text)
            except Exception as err:  # noqa: BLE001 - the platform's failure is the staff member's answer
                logger.warning("staff reply to %s not delivered: %s", channel_of(tracker), type(err).__name__)
                return response.json({**_state(tracker), "error": "not delivered, try again"}, status=502)
            await _record(agent, tracker, [_staff_message(text, _staff_name(body), "reply", body)])
            return response.json(_state(tracker))

        @bp.route("/template", methods=["POST"])
        @route
        async def template(agent, tracker, body) -> HTTPResponse:
            try:
                name = await Delivery.template(channel_of(tracker), tracker.sender_id)
            except LookupError as err:
                return response.json({**_state(tracker), "error": str(err)}, status=409)
            except Exception as err:  # noqa: BLE001
                logger.warning("template to %s not delivered: %s", channel_of(tracker), type(err).__name__)
                return response.json({**_state(tracker), "error": "not delivered, try again"}, status=502)
            await _record(agent, tracker, [_staff_message(f"[template {name}]", _staff_name(body), "template", body)])
            return response.json(_state(tracker))

        @bp.route("/release", methods=["POST"])
        @route
        async def release(agent, tracker, body) -> HTTPResponse:
            if not tracker.is_paused():
                return response.json(_state(tracker))
            name = _staff_name(body)
            text = (content.text("channel_staff_left_idle", name=name) if body.get("why") == "idle"
                    else content.text("channel_staff_left", name=name))
            await _record(agent, tracker, [ConversationResumed(), _staff_message(text, name, "left", body)])
            if not window_open(tracker, time.time()):
                return response.json(_state(tracker))  # resumed; WhatsApp cannot be told outside its window
            return await _send(tracker, text, _state(tracker))

        return bp


def _staff_name(body: Dict[str, Any]) -> str:
    # What the parent sees: a first name the staff member chose, or "clinic staff"; never an account name.
    name = " ".join(str(body.get("name") or "").split())[:40]
    return name or content.text("channel_staff_default_name")


def _staff_message(text: str, name: str, kind: str, body: Dict[str, Any]) -> BotUttered:
    # The account is kept for the clinic's transcript; the parent's channels only ever show `staff`.
    account = " ".join(str(body.get("account") or "").split())[:64]
    return BotUttered(text, metadata={"staff": name, "staff_account": account, "staff_event": kind})


async def _record(agent: Any, tracker: DialogueStateTracker, events: list) -> None:
    for event in events:
        tracker.update(event)
    await agent.tracker_store.save(tracker)


async def _send(tracker: DialogueStateTracker, text: str, state: Dict[str, Any]) -> HTTPResponse:
    try:
        await Delivery.text(channel_of(tracker), tracker.sender_id, text)
    except Exception as err:  # noqa: BLE001
        logger.warning("notice to %s not delivered: %s", channel_of(tracker), type(err).__name__)
        return response.json({**state, "error": "recorded, but the parent could not be told"}, status=502)
    return response.json(state)


def _state(tracker: DialogueStateTracker) -> Dict[str, Any]:
    now = time.time()
    return {"paused": tracker.is_paused(), "channel": channel_of(tracker), "last_user_at": last_user_at(tracker),
            "window_open": window_open(tracker, now)}
