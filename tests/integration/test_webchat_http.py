"""The web chat's HTTP surface: odd input gets a clear 4xx, history survives a reload."""
import json

import pytest

from harness.conversation import Conversation


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"sender": "short", "message": "hi"}).encode(), "sender"),
        (json.dumps({"sender": "a" * 32, "message": "   "}).encode(), "empty"),
        (json.dumps({"sender": "a" * 32, "message": 42}).encode(), "empty"),
        (json.dumps({"sender": "a" * 32, "message": "x" * 5000}).encode(), "too long"),
    ],
)
def test_bad_requests_get_a_clear_400(server, body, reason):
    status, answer = server.post(body)
    assert status == 400
    assert reason in answer["error"]


def test_bad_requests_store_nothing(server):
    server.post(json.dumps({"sender": "b" * 32, "message": ""}).encode())
    assert server.events("b" * 32) == []


def test_typed_intent_syntax_cannot_set_slots(chat):
    chat.say('/inform{"pump_type": "hospital_grade", "suspected_cause": "pump"}')
    slots = chat.slots()
    assert slots.get("suspected_cause") is None
    assert slots.get("pump_type") != "hospital_grade"


def test_typed_restart_does_not_wipe_the_conversation(chat):
    chat.say("my pump gives nothing")
    chat.say("/restart")
    assert not any(e.get("event") == "restart" for e in chat.server.events(chat.sender))


@pytest.mark.parametrize("text", ["🍼😭", "\u200b\u200bhelp\u200b", "مرحبا لا يخرج الحليب", "?" * 3000])
def test_odd_text_gets_an_answer(chat, text):
    replies = chat.say(text)
    assert replies and all(m.get("text") for m in replies)


def test_history_restores_the_conversation_after_a_reload(server):
    chat = Conversation(server)
    chat.say("hi")
    chat.say("how should my flange fit?")
    status, history = server.get_json(f"/history/{chat.sender}")
    assert status == 200
    said = [m["text"] for m in history["messages"] if m["from"] == "user"]
    assert said == ["hi", "how should my flange fit?"]
    assert history["messages"][-1]["from"] == "bot"
    assert history["clinic"]["phone"]


def test_history_of_an_unknown_or_malformed_id(server):
    unknown = "/history/" + "c" * 32
    assert server.get_json(unknown) == (200, {**server.get_json(unknown)[1], "messages": []})
    status, _ = server.get_json("/history/bad!id")
    assert status == 400


def test_the_chat_page_and_its_files_are_served_locally(server):
    import urllib.request

    page = urllib.request.urlopen(f"{server.webchat}/").read().decode()
    assert "static/widget.js" in page and "http" not in page.split("<body")[1].replace('data-server=""', "")
    for name in ("widget.js", "widget.css"):
        assert urllib.request.urlopen(f"{server.webchat}/static/{name}").status == 200


def test_over_large_bodies_are_refused_before_the_nlu(server):
    status, _ = server.post(json.dumps({"sender": "e" * 32, "message": "x" * 100_000}).encode())
    assert status == 413
    assert server.events("e" * 32) == []


def test_rasa_http_api_is_off(server):
    import urllib.error
    import urllib.request

    for path in ("/conversations/x/tracker", "/model/parse", "/status"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{server.base_url}{path}")
        assert err.value.code in (403, 404, 405)
