"""A person from the clinic takes a chat over, replies on the parent's channel and hands it back, through
the real Rasa server (channels/staff.py), with Telegram, Meta and Twilio faked on loopback."""
from __future__ import annotations

import json
import sqlite3
import time
import uuid

import pytest

from channels.staff import JOINED, LEFT, PROXY_HEADERS
from coach.clinic import clinic
from harness.conversation import Conversation
from harness.platforms import CHANNEL_ENV
from review.handoff import signed_headers
from tests.integration.test_channels import phone, tg_post, tg_update, tw_params, tw_post, tw_sender, wa_payload, wa_post

SECRET = CHANNEL_ENV["STAFF_API_SECRET"]


def signed(sender, secret=SECRET, ts=None, **fields):
    """A request as the review app signs it (review/handoff.py): (body, headers)."""
    body = json.dumps({"sender_id": sender, "ts": time.time() if ts is None else ts, **fields}).encode()
    return body, signed_headers(secret, body)


def send(server, route, request, extra_headers=None):
    body, headers = request
    return server.post(body, path=f"/webhooks/staff/{route}", headers={**headers, **(extra_headers or {})})


def staff(server, route, sender, secret=SECRET, ts=None, **fields):
    return send(server, route, signed(sender, secret, ts, **fields))


def history(server, sender):
    status, data = server.get_json(f"/history/{sender}")
    assert status == 200
    return data["messages"]


def test_a_held_chat_is_silent_except_for_a_red_flag_and_comes_back(server):
    chat = Conversation(server, sender=f"held-{uuid.uuid4().hex[:12]}")
    assert chat.say("hello")
    status, state = staff(server, "takeover", chat.sender, name="Amy")
    assert status == 200 and state["paused"] is True and state["channel"] == "webchat"
    assert {"event": "pause"}.items() <= next(e for e in server.events(chat.sender) if e["event"] == "pause").items()
    assert history(server, chat.sender)[-1] == {
        "from": "staff", "name": "Amy", "text": JOINED.format(name="Amy", clinic=clinic().name)}

    # The assistant keeps quiet, and does not apologise for it, but every message is stored.
    assert chat.say("are you there? my pump only gives 20 ml") == []
    assert "are you there? my pump only gives 20 ml" in [e.get("text") for e in server.events(chat.sender)]
    # A red flag is answered at once, with the clinic's numbers, while the person still holds the chat.
    urgent = chat.say("I have a fever and a red, hot, painful lump in my breast")
    assert urgent and clinic().phone in " ".join(m.get("text") or "" for m in urgent)
    assert staff(server, "state", chat.sender)[1]["paused"] is True

    assert staff(server, "reply", chat.sender, text="Hi, this is Amy. Please call us now.", name="Amy",
                 account="amy.k")[0] == 200
    assert history(server, chat.sender)[-1] == {"from": "staff", "name": "Amy", "text": "Hi, this is Amy. Please call us now."}
    # The clinic's record says which account wrote; what the parent's page gets never does.
    stored = [e for e in server.events(chat.sender) if e["event"] == "bot" and "Please call us now" in (e.get("text") or "")]
    assert stored[-1]["metadata"]["staff_account"] == "amy.k"
    assert "amy.k" not in json.dumps(server.get_json(f"/history/{chat.sender}")[1])

    status, state = staff(server, "release", chat.sender, name="Amy")
    assert status == 200 and state["paused"] is False
    assert history(server, chat.sender)[-1]["text"] == LEFT.format(name="Amy")
    assert chat.say("how long can thawed milk stay in the fridge")  # the assistant answers again


def test_staff_replies_reach_telegram_meta_and_twilio(server, fake_platform):
    chat_id = 5550000000 + uuid.uuid4().int % 10**6
    assert tg_post(server, tg_update(chat_id, "hello"))[0] == 200
    wa_sender = phone()
    assert wa_post(server, wa_payload(wa_sender, {"type": "text", "text": {"body": "hello"}}))[0] == 200
    tw = tw_sender()
    assert tw_post(server, tw_params(tw, "hello"))[0] == 200

    for sender in (str(chat_id), wa_sender, tw):
        assert staff(server, "takeover", sender, name="Sam")[0] == 200
        assert staff(server, "reply", sender, text=f"Sam here, for {sender}", name="Sam")[0] == 200

    sent_tg = [c["body"]["text"] for c in fake_platform.calls_to("/bot123:TEST/sendMessage")
               if str(c["body"].get("chat_id")) == str(chat_id)]
    assert f"Sam here, for {chat_id}" in sent_tg and any(t.startswith("Sam from") for t in sent_tg)
    sent_wa = [c["body"]["text"]["body"] for c in fake_platform.calls_to("/1055/messages")
               if c["body"].get("to") == wa_sender and c["body"].get("type") == "text"]
    assert f"Sam here, for {wa_sender}" in sent_wa
    sent_tw = [c["body"]["Body"] for c in fake_platform.calls_to("/Messages.json") if c["body"].get("To") == tw]
    assert f"Sam here, for {tw}" in sent_tw


def _old_whatsapp_message(server, sender: str, channel: str, hours_ago: float) -> None:
    """A parent who last wrote `hours_ago` hours ago, stored the way Rasa stores it."""
    at = time.time() - hours_ago * 3600
    data = {"event": "user", "timestamp": at, "text": "thanks", "input_channel": channel,
            "parse_data": {"intent": {"name": "thank", "confidence": 1.0}, "entities": [], "text": "thanks"}}
    with sqlite3.connect(server.db_path) as db:
        db.execute("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                   "VALUES (?, 'user', ?, 'thank', NULL, ?)", (sender, at, json.dumps(data)))


@pytest.mark.parametrize("channel", ["whatsapp", "twilio_whatsapp"])
def test_whatsapp_outside_24_hours_takes_only_the_template(server, fake_platform, channel):
    sender = phone() if channel == "whatsapp" else tw_sender()
    _old_whatsapp_message(server, sender, channel, hours_ago=25)
    status, state = staff(server, "takeover", sender, name="Sam")
    assert status == 200 and state["window_open"] is False
    status, answer = staff(server, "reply", sender, text="are you still there?", name="Sam")
    assert status == 409 and answer["error"] == "whatsapp_window_closed"
    assert staff(server, "template", sender, name="Sam")[0] == 200
    if channel == "whatsapp":
        sent = [c["body"] for c in fake_platform.calls_to("/1055/messages") if c["body"].get("to") == sender]
        assert [b["template"]["name"] for b in sent] == ["clinic_replied"]
    else:
        sent = [c["body"] for c in fake_platform.calls_to("/Messages.json") if c["body"].get("To") == sender]
        assert [b["ContentSid"] for b in sent] == ["HX0123"]


def test_within_24_hours_whatsapp_takes_free_text(server):
    sender = phone()
    _old_whatsapp_message(server, sender, "whatsapp", hours_ago=23)
    assert staff(server, "takeover", sender)[1]["window_open"] is True


def test_unsigned_stale_or_unknown_requests_are_refused(server):
    chat = Conversation(server, sender=f"guard-{uuid.uuid4().hex[:12]}")
    chat.say("hello")
    assert staff(server, "takeover", chat.sender, secret="wrong-secret-0123456789")[0] == 403
    assert staff(server, "takeover", chat.sender, ts=time.time() - 3600)[0] == 403
    assert staff(server, "takeover", "nobody-" + uuid.uuid4().hex)[0] == 404
    assert staff(server, "reply", chat.sender, text="hello?")[0] == 409  # not taken over
    assert staff(server, "state", chat.sender)[1]["paused"] is False


def test_a_replayed_or_proxied_request_is_refused(server):
    chat = Conversation(server, sender=f"replay-{uuid.uuid4().hex[:12]}")
    chat.say("hello")
    takeover = signed(chat.sender, name="Amy")
    assert send(server, "takeover", takeover)[0] == 200
    assert staff(server, "release", chat.sender, name="Amy")[0] == 200
    # The captured takeover, sent again within its five minutes, several times so it reaches other workers
    # (the nonces are in the tracker's database). 403, not 409: a replay is refused as not coming from the
    # review app, like a bad signature; 409 means "the conversation is not in a state for that", which the
    # review app reads as such (review/handoff.py).
    for _ in range(4):
        status, answer = send(server, "takeover", takeover)
        assert status == 403 and "already used" in answer["error"]
    # Nor under a new nonce: the signature covers it.
    body, headers = takeover
    renamed = {**headers, "X-Staff-Nonce": "0" * 32}
    assert send(server, "takeover", (body, renamed))[1]["error"] == "bad signature"
    assert staff(server, "state", chat.sender)[1]["paused"] is False
    # Through a proxy (where every request comes from loopback) nothing is served, however well signed.
    for header in PROXY_HEADERS:
        status, answer = send(server, "state", signed(chat.sender), {header: "203.0.113.9"})
        assert status == 403 and "proxy" in answer["error"], header
    assert staff(server, "state", chat.sender)[0] == 200  # a fresh, direct request still works
