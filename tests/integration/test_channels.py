"""Telegram, WhatsApp (Meta) and WhatsApp (Twilio) connectors inside the real Rasa server.

Platform APIs are the FakePlatform on loopback; signatures are made the way each platform makes
them (Twilio's own RequestValidator, HMAC-SHA256 for Meta, the registered secret for Telegram).
"""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from twilio.request_validator import RequestValidator

from channels.common import NON_TEXT_REPLY
from coach.clinic import clinic
from harness.platforms import CHANNEL_ENV, TWILIO_PUBLIC_URL

TG = "/webhooks/telegram/webhook"
WA = "/webhooks/whatsapp/webhook"
TW = "/webhooks/twilio_whatsapp/webhook"
TG_SECRET = {"X-Telegram-Bot-Api-Secret-Token": CHANNEL_ENV["TELEGRAM_SECRET_TOKEN"]}


def user_events(server, sender):
    return [e for e in server.events(sender) if e.get("event") == "user"]


# ---------------------------------------------------------------- Telegram
def tg_update(chat_id, text=None, update_id=None, **extra):
    message = {"message_id": 1, "chat": {"id": chat_id, "type": "private"}, "from": {"id": chat_id}, "date": 0, **extra}
    if text is not None:
        message["text"] = text
    return {"update_id": update_id or uuid.uuid4().int % 10**9, "message": message}


def tg_post(server, body, headers=TG_SECRET):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return server.post(raw, path=TG, headers=headers)


def test_telegram_registers_its_webhook_with_the_secret(server, fake_platform):
    deadline = time.monotonic() + 10
    while not fake_platform.calls_to("/setWebhook") and time.monotonic() < deadline:
        time.sleep(0.2)
    call = fake_platform.calls_to("/bot123:TEST/setWebhook")[0]
    assert call["body"]["secret_token"] == CHANNEL_ENV["TELEGRAM_SECRET_TOKEN"]
    assert call["body"]["url"] == CHANNEL_ENV["TELEGRAM_WEBHOOK_URL"]


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                     {"X-Telegram-Bot-Api-Secret-Token": CHANNEL_ENV["TELEGRAM_SECRET_TOKEN"] + "x"}])
def test_telegram_rejects_missing_or_wrong_secret_and_stores_nothing(server, headers):
    chat = uuid.uuid4().int % 10**9
    status, _ = tg_post(server, tg_update(chat, "hi"), headers=headers)
    assert status == 403
    assert server.events(str(chat)) == []


def test_telegram_text_reply_with_inline_keyboard(server, fake_platform):
    chat = uuid.uuid4().int % 10**9
    status, _ = tg_post(server, tg_update(chat, "my pump gives almost nothing"))
    assert status == 200
    sent = [c["body"] for c in fake_platform.calls_to("/sendMessage") if c["body"]["chat_id"] == str(chat)]
    assert sent, "no reply sent"
    keyboards = [b["reply_markup"]["inline_keyboard"] for b in sent if "reply_markup" in b]
    assert keyboards and all(len(row) == 1 and row[0]["callback_data"] == row[0]["text"] for row in keyboards[-1])
    assert user_events(server, str(chat))[0]["text"] == "my pump gives almost nothing"


def test_telegram_button_press_continues_and_is_acknowledged(server, fake_platform):
    chat = uuid.uuid4().int % 10**9
    tg_post(server, tg_update(chat, "hello"))
    query = {"update_id": uuid.uuid4().int % 10**9, "callback_query": {
        "id": "cb-42", "from": {"id": chat}, "data": "Talk to a person",
        "message": {"message_id": 2, "chat": {"id": chat, "type": "private"}, "date": 0}}}
    status, _ = tg_post(server, query)
    assert status == 200
    assert any(c["body"] == {"callback_query_id": "cb-42"} for c in fake_platform.calls_to("/answerCallbackQuery"))
    slots = {e["name"]: e["value"] for e in server.events(str(chat)) if e.get("event") == "slot"}
    assert slots["handoff_requested"] is True


def test_telegram_repeated_update_is_handled_once(server):
    chat = uuid.uuid4().int % 10**9
    update = tg_update(chat, "how long can milk stay in the fridge", update_id=uuid.uuid4().int % 10**9)
    for _ in range(3):
        assert tg_post(server, update)[0] == 200
    assert len(user_events(server, str(chat))) == 1


def test_telegram_non_text_gets_a_kind_answer(server, fake_platform):
    chat = uuid.uuid4().int % 10**9
    status, _ = tg_post(server, tg_update(chat, photo=[{"file_id": "x", "width": 1, "height": 1}]))
    assert status == 200
    sent = fake_platform.calls_to("/sendMessage")
    assert any(c["body"] == {"chat_id": str(chat), "text": NON_TEXT_REPLY} for c in sent)
    assert user_events(server, str(chat)) == []


@pytest.mark.parametrize("body", [b"{broken", b"[]", b'{"no_update_id": 1}'])
def test_telegram_malformed_body_is_a_400(server, body):
    assert tg_post(server, body)[0] == 400


# ---------------------------------------------------------------- WhatsApp (Meta Cloud API)
def wa_payload(sender, message):
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1055"},
        "contacts": [{"wa_id": sender, "profile": {"name": "Test"}}],
        "messages": [{"from": sender, "id": f"wamid.{uuid.uuid4().hex}", "timestamp": "0", **message}]}}]}]}


def wa_post(server, body, secret=CHANNEL_ENV["WHATSAPP_APP_SECRET"], signature=None):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    sig = signature if signature is not None else "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return server.post(raw, path=WA, headers={"X-Hub-Signature-256": sig} if sig else {})


def phone():
    return "1555" + str(uuid.uuid4().int % 10**7).zfill(7)


def test_whatsapp_verification_handshake(server):
    query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": "wa-verify",
                                    "hub.challenge": "1158201444"})
    with urllib.request.urlopen(f"{server.base_url}{WA}?{query}") as resp:
        assert resp.read() == b"1158201444"
    bad = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{server.base_url}{WA}?{bad}")
    assert err.value.code == 403


def test_whatsapp_signature_checks(server):
    sender = phone()
    body = wa_payload(sender, {"type": "text", "text": {"body": "hi"}})
    assert wa_post(server, body, signature="")[0] == 401
    assert wa_post(server, body, secret="not-the-secret")[0] == 403
    raw = json.dumps(body).encode()
    good = "sha256=" + hmac.new(b"wa-app-secret", raw, hashlib.sha256).hexdigest()
    tampered = raw.replace(b'"hi"', b'"ho"')
    assert wa_post(server, tampered, signature=good)[0] == 403
    assert server.events(sender) == []


def test_whatsapp_text_gets_interactive_reply_within_limits(server, fake_platform):
    sender = phone()
    status, _ = wa_post(server, wa_payload(sender, {"type": "text", "text": {"body": "little milk when i pump, é ça"}}))
    assert status == 200
    sent = [c for c in fake_platform.calls_to("/v19.0/1055/messages") if c["body"]["to"] == sender]
    assert sent and all(c["headers"]["Authorization"] == "Bearer wa-access" for c in sent)
    interactive = [c["body"]["interactive"] for c in sent if c["body"]["type"] == "interactive"]
    assert interactive
    for message in interactive:
        if message["type"] == "button":
            assert len(message["action"]["buttons"]) <= 3
            assert all(len(b["reply"]["title"]) <= 20 for b in message["action"]["buttons"])
        else:
            rows = message["action"]["sections"][0]["rows"]
            assert len(rows) <= 10 and all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)


def test_whatsapp_button_and_list_replies_continue_the_conversation(server):
    sender = phone()
    wa_post(server, wa_payload(sender, {"type": "text", "text": {"body": "hello"}}))
    choice = {"id": "Talk to a person", "title": "Talk to a person"}
    reply = {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": choice}}
    assert wa_post(server, wa_payload(sender, reply))[0] == 200
    slots = {e["name"]: e["value"] for e in server.events(sender) if e.get("event") == "slot"}
    assert slots["handoff_requested"] is True


def test_whatsapp_status_callbacks_are_ignored(server):
    status = {"id": "wamid.x", "status": "delivered", "recipient_id": "1555"}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "statuses": [status]}}]}]}
    assert wa_post(server, body)[0] == 200


def test_whatsapp_duplicate_message_id_handled_once(server):
    sender = phone()
    body = wa_payload(sender, {"type": "text", "text": {"body": "is coconut oil ok on flanges"}})
    for _ in range(3):
        assert wa_post(server, body)[0] == 200
    assert len(user_events(server, sender)) == 1


def test_whatsapp_media_gets_a_kind_answer(server, fake_platform):
    sender = phone()
    assert wa_post(server, wa_payload(sender, {"type": "image", "image": {"id": "media-1"}}))[0] == 200
    assert any(c["body"]["to"] == sender and c["body"].get("text", {}).get("body") == NON_TEXT_REPLY
               for c in fake_platform.calls_to("/messages"))
    assert user_events(server, sender) == []


def test_whatsapp_outbound_retries_a_503(server, fake_platform):
    sender = phone()
    fake_platform.fail_next["/1055/messages"] = 1
    wa_post(server, wa_payload(sender, {"type": "text", "text": {"body": "thanks"}}))
    assert [c for c in fake_platform.calls_to("/messages") if c["body"]["to"] == sender]


def test_whatsapp_malformed_json_is_a_400(server):
    assert wa_post(server, b"{not json")[0] == 400


# ---------------------------------------------------------------- WhatsApp (Twilio)
def tw_post(server, params, url=TWILIO_PUBLIC_URL, token=CHANNEL_ENV["TWILIO_AUTH_TOKEN"], signature=None):
    sig = signature if signature is not None else RequestValidator(token).compute_signature(url, params)
    return server.post(urllib.parse.urlencode(params).encode(), "application/x-www-form-urlencoded", path=TW,
                       headers={"X-Twilio-Signature": sig})


def tw_params(sender, body="", **extra):
    return {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC0123", "From": sender,
            "To": CHANNEL_ENV["TWILIO_WHATSAPP_NUMBER"], "Body": body, "NumMedia": "0", **extra}


def tw_sender():
    return "whatsapp:+1555" + str(uuid.uuid4().int % 10**7).zfill(7)


def test_twilio_signature_checks(server):
    sender = tw_sender()
    params = tw_params(sender, "hi")
    assert tw_post(server, params, signature="")[0] == 403
    assert tw_post(server, params, token="wrong-token")[0] == 403
    assert tw_post(server, params, url="https://other.example.org/webhooks/twilio_whatsapp/webhook")[0] == 403
    good = RequestValidator(CHANNEL_ENV["TWILIO_AUTH_TOKEN"]).compute_signature(TWILIO_PUBLIC_URL, params)
    assert tw_post(server, {**params, "Body": "changed"}, signature=good)[0] == 403
    assert server.events(sender) == []


def test_twilio_text_and_numbered_reply(server, fake_platform):
    sender = tw_sender()
    assert tw_post(server, tw_params(sender, "hello"))[0] == 200
    sent = [c for c in fake_platform.calls_to("/2010-04-01/Accounts/AC0123/Messages.json") if c["body"]["To"] == sender]
    assert sent and sent[-1]["body"]["From"] == CHANNEL_ENV["TWILIO_WHATSAPP_NUMBER"]
    menu = sent[-1]["body"]["Body"]
    assert "1. " in menu
    options = [line.split(". ", 1)[1] for line in menu.splitlines() if line[:1].isdigit()]
    choice = options.index("Talk to a person") + 1
    assert tw_post(server, tw_params(sender, str(choice)))[0] == 200
    assert user_events(server, sender)[-1]["text"] == "Talk to a person"
    sent = [c for c in fake_platform.calls_to("Messages.json") if c["body"]["To"] == sender]
    assert clinic().phone in sent[-1]["body"]["Body"]


def test_twilio_media_only_message_does_not_crash(server, fake_platform):
    sender = tw_sender()
    params = tw_params(sender, "", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1",
                       MediaContentType0="image/jpeg")
    assert tw_post(server, params)[0] == 200
    sent = fake_platform.calls_to("Messages.json")
    assert any(c["body"]["To"] == sender and c["body"]["Body"] == NON_TEXT_REPLY for c in sent)
    assert user_events(server, sender) == []


def test_twilio_duplicate_message_sid_handled_once(server):
    sender = tw_sender()
    params = tw_params(sender, "how often should i pump")
    for _ in range(3):
        assert tw_post(server, params)[0] == 200
    assert len(user_events(server, sender)) == 1
