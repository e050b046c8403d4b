"""Taking a conversation over from the assistant, replying in the parent's chat, handing it back.

The Rasa server does the conversation side (channels/staff.py: Rasa's pause and resume events, the
message on the parent's channel); this module calls it, signed, and keeps the app's record of who
holds what (`hold`), which the queue, the transcript page and the idle hand-back read.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coach import content
from review import audit
from review.conversations import InvalidInput
from review.schema import conversation, hold
from review.settings import Settings

# channels/staff.py checks both: the signature covers the nonce and the body (with its time), and the
# server takes each nonce once, so a captured request cannot be sent again.
SIGNATURE_HEADER = "X-Staff-Signature"
NONCE_HEADER = "X-Staff-Nonce"
TIMEOUT_S = 30  # a platform retry inside the Rasa server can take a while; the page waits for it
MAX_REPLY_CHARS = 2000
# A person types a few replies a minute; more than this from one account is a stuck key or a script.
REPLIES_PER_MINUTE = 20


class HandoffError(InvalidInput):
    """Something staff can act on, said plainly (the transcript page shows it again, with this)."""


@dataclass(frozen=True)
class State:
    paused: bool
    channel: Optional[str]
    window_open: bool
    last_user_at: Optional[float]


# No proxy, even if the environment names one (http_proxy): the staff routes refuse any request that
# passed through a proxy.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signed_headers(secret: str, body: bytes) -> Dict[str, str]:
    """The headers that let channels/staff.py accept ``body`` once: a fresh nonce and the signature."""
    nonce = secrets.token_hex(16)
    sig = "sha256=" + hmac.new(secret.encode(), nonce.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", NONCE_HEADER: nonce, SIGNATURE_HEADER: sig}


def call(settings: Settings, route: str, sender_id: str, **fields: Any) -> "tuple[int, Dict[str, Any]]":
    """POST one signed request to the Rasa server's staff routes."""
    if not settings.staff_api_secret:
        raise HandoffError("Taking over conversations is not set up: STAFF_API_SECRET is missing (make run sets it).")
    body = json.dumps({"sender_id": sender_id, "ts": time.time(), **fields}).encode()
    request = urllib.request.Request(f"{settings.rasa_url}/webhooks/staff/{route}", data=body, method="POST",
                                     headers=signed_headers(settings.staff_api_secret, body))
    try:
        with _direct.open(request, timeout=TIMEOUT_S) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        try:
            return err.code, json.loads(err.read() or b"{}")
        except ValueError:
            return err.code, {}
    except (OSError, ValueError):
        raise HandoffError("The assistant's server could not be reached; nothing was sent. Try again.") from None


def state_from(answer: Dict[str, Any]) -> State:
    return State(bool(answer.get("paused")), answer.get("channel"), bool(answer.get("window_open", True)),
                 answer.get("last_user_at"))


def open_hold(conn: Connection, conversation_id: int):
    return conn.execute(sa.select(hold).where(hold.c.conversation_id == conversation_id,
                                              hold.c.released_at.is_(None))).first()


def open_holds(conn: Connection) -> List:
    """Every conversation a person holds now, with its pseudonym, longest held first."""
    return conn.execute(sa.select(hold, conversation.c.pseudonym, conversation.c.channel, conversation.c.last_at)
                        .join(conversation, conversation.c.id == hold.c.conversation_id)
                        .where(hold.c.released_at.is_(None)).order_by(hold.c.since)).all()


def display_name(raw: str) -> str:
    name = " ".join((raw or "").split())[:40]
    return name or content.text("channel_staff_default_name")  # the name the parent sees


def take_over(conn: Connection, settings: Settings, row, staff: str, name: str, address: str = "") -> str:
    """Returns the notice for the page: "takeover", or "takeover_untold" when the parent could not be told."""
    if open_hold(conn, row.id):
        raise HandoffError("Someone already holds this conversation.")
    status, answer = call(settings, "takeover", row.sender_id, name=display_name(name), account=staff)
    if status == 409:
        raise HandoffError("The assistant says a person already holds this conversation.")
    if status not in (200, 502):
        raise HandoffError(f"The assistant's server refused ({status}): {answer.get('error', 'no reason given')}.")
    conn.execute(hold.insert().values(conversation_id=row.id, held_by=staff, display_name=display_name(name),
                                      since=time.time(), replies=0))
    audit.record(conn, staff, "takeover", row.pseudonym, f"shown as {display_name(name)}", address)
    return "takeover_untold" if status == 502 else "takeover"


def _own_hold(conn: Connection, row, staff: str):
    current = open_hold(conn, row.id)
    if current is None:
        raise HandoffError("Take the conversation over first.")
    if current.held_by != staff:
        raise HandoffError(f"{current.held_by} holds this conversation; only they can reply.")
    return current


def reply(conn: Connection, settings: Settings, row, staff: str, text: str, address: str = "") -> None:
    text = (text or "").strip()
    if not text:
        raise HandoffError("The reply is empty.")
    if len(text) > MAX_REPLY_CHARS:
        raise HandoffError(f"Keep a reply under {MAX_REPLY_CHARS} characters; send two if needed.")
    current = _own_hold(conn, row, staff)
    if audit.count_since(conn, "staff_reply", time.time() - 60, actor=staff) >= REPLIES_PER_MINUTE:
        raise HandoffError("That is many replies in a minute; wait a moment and send again.")
    status, answer = call(settings, "reply", row.sender_id, text=text, name=current.display_name, account=staff)
    if status == 409 and answer.get("error") == "whatsapp_window_closed":
        raise HandoffError("WhatsApp only delivers a message within 24 hours of the parent's last one. Send the "
                           "clinic's template instead; when the parent answers it, you can write again.")
    if status != 200:
        raise HandoffError(f"Not delivered ({status}): {answer.get('error', 'no reason given')}. Try again.")
    conn.execute(hold.update().where(hold.c.id == current.id).values(last_reply_at=time.time(),
                                                                     replies=hold.c.replies + 1))
    audit.record(conn, staff, "staff_reply", row.pseudonym, f"{len(text)} characters as {current.display_name}",
                 address)


def send_template(conn: Connection, settings: Settings, row, staff: str, address: str = "") -> None:
    current = _own_hold(conn, row, staff)
    status, answer = call(settings, "template", row.sender_id, name=current.display_name, account=staff)
    if status != 200:
        raise HandoffError(f"Template not sent ({status}): {answer.get('error', 'no reason given')}.")
    audit.record(conn, staff, "staff_template", row.pseudonym, "", address)


def release(conn: Connection, settings: Settings, row, staff: str, is_admin: bool, why: str = "staff",
            address: str = "") -> None:
    current = open_hold(conn, row.id)
    if current is None:
        raise HandoffError("Nobody holds this conversation.")
    if why == "staff" and current.held_by != staff and not is_admin:
        raise HandoffError(f"{current.held_by} holds this conversation; only they or an admin can hand it back.")
    status, answer = call(settings, "release", row.sender_id, name=current.display_name, why=why, account=staff)
    if status not in (200, 502, 404):
        raise HandoffError(f"The assistant's server refused ({status}): {answer.get('error', 'no reason given')}.")
    conn.execute(hold.update().where(hold.c.id == current.id).values(released_at=time.time(), released_by=staff))
    audit.record(conn, staff, "release", row.pseudonym, f"held by {current.held_by}" + (" (idle)" if why == "idle" else ""),
                 address)


def release_idle(conn: Connection, settings: Settings, now: Optional[float] = None) -> int:
    """Hand back every conversation where neither side has written for the idle time."""
    now = time.time() if now is None else now
    cutoff = now - settings.hold_idle_minutes * 60
    released = 0
    for row in open_holds(conn):
        last = max(row.since, row.last_reply_at or 0, row.last_at or 0)
        if last < cutoff:
            conv = conn.execute(sa.select(conversation).where(conversation.c.id == row.conversation_id)).first()
            try:
                release(conn, settings, conv, "idle", is_admin=True, why="idle")
                released += 1
            except HandoffError:
                pass  # the Rasa server is away: the next round tries again
    return released
