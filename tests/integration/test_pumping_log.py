"""The pumping log through the real Rasa server and action server, on web chat and Telegram."""
import urllib.error
import urllib.request
import uuid

from harness.conversation import Conversation
from harness.platforms import TWILIO_PUBLIC_URL
from tests.integration.test_channels import phone, tg_post, tg_update, tw_params, tw_post, tw_sender, wa_payload, wa_post

LOCAL = {"local_time": "2026-11-28T14:30"}


def fetch(url: str) -> "tuple[int, str, bytes]":
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def logged(chat: Conversation) -> list:
    return chat.slots().get("pumping_log") or []


def test_log_correct_delete_and_show_in_the_web_chat(server):
    chat = Conversation(server)
    chat.say("2 oz left and 1.5 right at 6am", metadata=LOCAL)
    assert "59.1 ml (2.0 oz), left side, today at 6:00 am" in chat.text
    assert "Show my log" in chat.buttons
    chat.say("pumped 45 ml at 11am", metadata=LOCAL)
    chat.say("sorry that was 40 not 45", metadata=LOCAL)
    assert "40 ml (1.4 oz)" in chat.text
    assert [e["ml"] for e in logged(chat)] == [59.1, 44.4, 40.0]
    chat.say("delete that", metadata=LOCAL)
    assert [e["ml"] for e in logged(chat)] == [59.1, 44.4]
    chat.say("Show my log", metadata=LOCAL)
    assert "Sat 28 Nov: 103.5 ml (3.5 oz) in 2 sessions" in chat.text
    image = next(m["image"] for m in chat.replies if m.get("image"))
    status, kind, body = fetch(server.base_url + image)
    assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG")


def test_a_question_with_an_amount_is_not_logged(server):
    chat = Conversation(server)
    chat.say("is 45 ml normal for a session?", metadata=LOCAL)
    assert logged(chat) == [] and "Logged" not in chat.text


def test_a_complaint_with_an_amount_starts_the_troubleshooting_not_the_log(server):
    chat = Conversation(server)
    chat.say("i only get like 20 ml when i pump, my breasts still feel full", metadata=LOCAL)
    assert logged(chat) == [] and chat.asked_question() is not None


def test_an_address_that_is_not_a_chart_is_a_clear_404(server):
    for path in ("/webhooks/webchat/chart/2026-11-28/1-2-3.png", "/webhooks/webchat/chart/2026-99-01/1-2-3-4-5-6-7.png"):
        status, kind, body = fetch(server.base_url + path)
        assert status == 404 and b"not a chart" in body


def test_telegram_gets_the_chart_as_an_uploaded_photo(server, fake_platform):
    chat = uuid.uuid4().int % 10**9
    assert tg_post(server, tg_update(chat, "pumped 60 ml"))[0] == 200
    assert tg_post(server, tg_update(chat, "show my log"))[0] == 200
    photos = [c for c in fake_platform.calls_to("/sendPhoto") if str(chat).encode() in c["body"].get("multipart", b"")]
    assert len(photos) == 1
    assert "multipart/form-data" in photos[0]["headers"]["Content-Type"]
    assert b"\x89PNG" in photos[0]["body"]["multipart"]


def test_whatsapp_meta_gets_the_chart_uploaded_then_sent_by_its_id(server, fake_platform):
    sender = phone()
    for text in ("pumped 60 ml", "show my log"):
        assert wa_post(server, wa_payload(sender, {"type": "text", "text": {"body": text}}))[0] == 200
    uploads = [c for c in fake_platform.calls_to("/v19.0/1055/media") if b"\x89PNG" in c["body"].get("multipart", b"")]
    assert uploads and uploads[-1]["headers"]["Authorization"] == "Bearer wa-access"
    images = [c["body"] for c in fake_platform.calls_to("/v19.0/1055/messages") if c["body"].get("to") == sender
              and c["body"]["type"] == "image"]
    assert images == [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": sender, "type": "image",
                       "image": {"id": "media-1"}}]


def test_twilio_gets_the_chart_by_the_assistants_public_address(server, fake_platform):
    sender = tw_sender()
    for text in ("pumped 60 ml", "show my log"):
        assert tw_post(server, tw_params(sender, text))[0] == 200
    media = [c["body"]["MediaUrl"] for c in fake_platform.calls_to("Messages.json")
             if c["body"].get("To") == sender and "MediaUrl" in c["body"]]
    public = TWILIO_PUBLIC_URL.split("/webhooks/")[0]
    assert len(media) == 1 and media[0].startswith(public + "/webhooks/webchat/chart/") and media[0].endswith("-60.png")
    # The address Twilio fetches really is the chart.
    status, kind, body = fetch(server.base_url + media[0][len(public):])
    assert (status, kind) == (200, "image/png")
