"""Check-ins through the real Rasa server and action server: scheduled in conversations on every
channel, the servers stopped, the time passed (the schedule table and the stored event times moved
back, as a clock would), the servers started again on the same database, and each check-in delivered
once as each channel allows; then the parents' answers recorded as `outcome`.

The platforms' APIs are the loopback FakePlatform (harness/platforms.py); everything else is real.
"""
from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
import uuid

import pytest

from harness.conversation import Conversation
from harness.platforms import CHANNEL_ENV
from harness.server import running_server
from tests.integration.test_channels import phone, tg_post, tg_update, tw_params, tw_post, tw_sender, wa_payload, wa_post

LOCAL = {"local_time": "2026-11-28T14:30"}
DAY = 24 * 3600
# The scheduler looks for due check-ins this often in these tests (30 s in production).
POLL_S = "0.5"


def db(server):
    return sqlite3.connect(server.db_path, timeout=30)


def rows(server):
    with db(server) as conn:
        conn.row_factory = sqlite3.Row
        return {r["sender_id"]: dict(r) for r in conn.execute("SELECT * FROM checkin ORDER BY id")}


def wait_for(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"not true after {timeout} s: {check.__name__}")


def checkin_messages(server, sender):
    return [e for e in server.events(sender) if e.get("event") == "bot" and (e.get("metadata") or {}).get("checkin")]


@pytest.fixture(scope="module")
def checkin_env(fake_platform):
    # A check-in template for Meta's WhatsApp only: Twilio's then has none, and is skipped with a reason.
    return {**CHANNEL_ENV, **fake_platform.api_urls(), "CHECKIN_POLL_S": POLL_S, "CHECKIN_TEMPLATE_NAME": "pump_checkin"}


def test_checkins_survive_a_restart_and_reach_each_channel_once(tmp_path_factory, fake_platform, checkin_env):
    home = tmp_path_factory.mktemp("checkin-server")
    web, stopped, late = Conversation(None), Conversation(None), Conversation(None)
    tg_chat, wa_open, wa_closed, tw_open, tw_closed = uuid.uuid4().int % 10**9, phone(), phone(), tw_sender(), tw_sender()

    with running_server(home, checkin_env) as first:
        for chat in (web, stopped, late):
            chat.server = first
            chat.say("Tomorrow morning", metadata=LOCAL)
        assert "I'll check in with you tomorrow (Sunday) at about 9 am" in web.text
        due = web.slots()["checkin_due"]
        assert 18 * 3600 < due - time.time() < 19 * 3600  # 14:30 on the parent's clock: 18.5 h to 9 am
        stopped.say("stop the check-ins")
        assert "no more check-ins" in stopped.text and stopped.slots()["checkin_due"] is None
        assert tg_post(first, tg_update(tg_chat, "can you check in with me tomorrow evening"))[0] == 200
        assert wa_post(first, wa_payload(wa_open, {"type": "text", "text": {"body": "In 3 days"}}))[0] == 200
        assert wa_post(first, wa_payload(wa_closed, {"type": "text", "text": {"body": "Tomorrow morning"}}))[0] == 200
        assert tw_post(first, tw_params(tw_open, "Tomorrow evening"))[0] == 200
        assert tw_post(first, tw_params(tw_closed, "Tomorrow morning"))[0] == 200
        senders = [web.sender, stopped.sender, late.sender, str(tg_chat), wa_open, wa_closed, tw_open, tw_closed]
        # Copied into the table by the running server, from the stored slot events.
        booked = [x for x in senders if x != stopped.sender]
        wait_for(lambda: set(booked) <= set(rows(first)) and rows(first).get(stopped.sender, {}).get("status") == "cancelled")
        server = first

    # Every process is down. Time passes: all check-ins fall due, one so long ago that it is no longer
    # useful, and two WhatsApp parents have been silent for more than a day.
    now = time.time()
    with db(server) as conn:
        conn.execute("UPDATE checkin SET due_at = ? WHERE status = 'pending'", (now - 60,))
        conn.execute("UPDATE checkin SET due_at = ? WHERE sender_id = ?", (now - 13 * 3600, late.sender))
    for sender in (wa_closed, tw_closed):
        server.age_conversation(sender, DAY + 3600)
    twilio_before = len(fake_platform.calls_to("/Messages.json"))

    with running_server(home, checkin_env) as second:
        assert second.db_path == server.db_path
        settled = wait_for(lambda: (r := rows(second)) and all(v["status"] not in ("pending", "sending")
                                                                for v in r.values()) and r)
        status = {s: settled[s]["status"] for s in senders}
        assert status == {web.sender: "sent", stopped.sender: "cancelled", late.sender: "dropped", str(tg_chat): "sent",
                          wa_open: "sent", wa_closed: "template", tw_open: "sent", tw_closed: "skipped"}
        with db(second) as conn:  # the stopped parent's request was cancelled by the stop, before it was due
            assert [r for (r,) in conn.execute("SELECT status FROM checkin WHERE sender_id = ? ORDER BY id",
                                               (stopped.sender,))] == ["cancelled"]
        assert "missed by 13 h" in settled[late.sender]["reason"]
        assert "no check-in template" in settled[tw_closed]["reason"]

        # Web chat: in the conversation, so the page shows it from the history now or on the next visit.
        (question,) = checkin_messages(second, web.sender)
        assert "checking in as promised" in question["text"]
        with urllib.request.urlopen(f"{second.webchat}/history/{web.sender}", timeout=30) as resp:
            shown = json.loads(resp.read())["messages"]
        assert any("checking in as promised" in m.get("text", "") and "Better" in [b["title"] for b in m["buttons"]]
                   for m in shown)
        # Telegram: one message with the answer keyboard.
        sent = [c["body"] for c in fake_platform.calls_to("/sendMessage") if c["body"].get("chat_id") == str(tg_chat)
                and "checking in as promised" in c["body"].get("text", "")]
        assert len(sent) == 1 and "Better" in json.dumps(sent[0]["reply_markup"])
        # WhatsApp inside its window: the question; outside it: the clinic's template, once.
        to_open = [c["body"] for c in fake_platform.calls_to("/v19.0/1055/messages") if c["body"].get("to") == wa_open]
        assert sum("checking in as promised" in json.dumps(b) for b in to_open) == 1
        templates = [c["body"] for c in fake_platform.calls_to("/v19.0/1055/messages")
                     if c["body"].get("to") == wa_closed and c["body"].get("type") == "template"]
        assert [t["template"]["name"] for t in templates] == ["pump_checkin"]
        twilio = [c["body"] for c in fake_platform.calls_to("/Messages.json")[twilio_before:]]
        assert [b["To"] for b in twilio if "checking in as promised" in b.get("Body", "")] == [tw_open]
        assert not [b for b in twilio if b.get("To") == tw_closed]  # skipped: nothing sent
        assert checkin_messages(second, stopped.sender) == [] and checkin_messages(second, late.sender) == []

        # The answers, on two channels, are recorded as the outcome.
        web.server = second
        web.say("Better")
        assert "good to hear" in web.text and web.slots()["outcome"] == "better"
        assert web.slots()["checkin_open"] is False
        assert tg_post(second, tg_update(tg_chat, "no change really"))[0] == 200
        tg_slots = {e["name"]: e.get("value") for e in second.events(str(tg_chat)) if e.get("event") == "slot"}
        assert tg_slots["outcome"] == "same"
        answer = [c["body"]["text"] for c in fake_platform.calls_to("/sendMessage") if c["body"].get("chat_id") == str(tg_chat)]
        assert "lactation consultant" in answer[-1] or any("lactation consultant" in t for t in answer[-3:])
        # A WhatsApp parent answering the template: the answer is read in the check-in's context.
        assert wa_post(second, wa_payload(wa_closed, {"type": "text", "text": {"body": "worse"}}))[0] == 200
        wa_slots = {e["name"]: e.get("value") for e in second.events(wa_closed) if e.get("event") == "slot"}
        assert wa_slots["outcome"] == "worse"
        # A Twilio parent answers the numbered list with its number: "1" is its first option, "Better".
        assert tw_post(second, tw_params(tw_open, "1"))[0] == 200
        tw_slots = {e["name"]: e.get("value") for e in second.events(tw_open) if e.get("event") == "slot"}
        assert tw_slots["outcome"] == "better"

        # Two days on: an answered check-in stays answered; an unanswered one is recorded as no_reply.
        with db(second) as conn:
            conn.execute("UPDATE checkin SET sent_at = sent_at - ? WHERE sender_id IN (?, ?)",
                         (49 * 3600, web.sender, wa_open))
        wait_for(lambda: {rows(second)[s]["status"] for s in (web.sender, wa_open)} == {"answered", "no_reply"})
        assert rows(second)[web.sender]["status"] == "answered" and web.slots()["outcome"] == "better"
        # The worker closes the row first and then writes the conversation (channels/checkins.py says
        # why), so the conversation may lag the row by a moment; it must follow.

        def no_reply_in_conversation():
            slots = {e["name"]: e.get("value") for e in second.events(wa_open) if e.get("event") == "slot"}
            return slots if slots.get("outcome") == "no_reply" else None

        assert wait_for(no_reply_in_conversation, timeout=30)["checkin_open"] is False

    # A third start sends nothing again: each check-in went out once.
    telegram_count = len(fake_platform.calls_to("/sendMessage"))
    with running_server(home, checkin_env) as third:
        time.sleep(3)  # several scheduler rounds
        assert all(len(checkin_messages(third, s)) <= 1 for s in senders)
        assert len([c for c in fake_platform.calls_to("/sendMessage")[telegram_count:]
                    if "checking in as promised" in c["body"].get("text", "")]) == 0


def test_a_diagnosis_offers_a_checkin_and_a_same_answer_gets_the_runner_up_cause(server):
    chat = Conversation(server)
    for text in ("my pump hardly gives anything", "Fits fine", "I'm fine with it"):
        chat.say(text, metadata=LOCAL)
    for _ in range(8):
        if "Shall I check in with you" in chat.text:
            break
        chat.say("not sure", metadata=LOCAL)
    assert "Shall I check in with you" in chat.text and "Tomorrow morning" in chat.buttons
    slots = chat.slots()
    chat.say("In 3 days", metadata=LOCAL)
    assert "I'll check in with you on Tuesday at about 9 am" in chat.text
    # Coming back by themselves before the check-in, the parent's answer is taken all the same.
    chat.say("it didn't help", metadata=LOCAL)
    after = chat.slots()
    assert after["outcome"] == "same" and after["checkin_due"] is None
    assert "lactation consultant" in chat.text
    if slots["runner_up_cause"] != slots["suspected_cause"]:
        assert "The next most likely cause was" in chat.text


def test_outcome_words_without_any_advice_are_not_recorded(server):
    chat = Conversation(server)
    chat.say("much better thanks")
    assert "outcome" not in chat.slots() and "Good to hear" in chat.text
