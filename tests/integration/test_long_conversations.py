"""Conversations as long as the product invites, through the real servers (harness/long_conversation.py):
500 messages in one sitting, and eight weeks of pumping logs, questions and check-ins. Each ends with a
red flag that must reach a person and a "show my log" that must be right; nothing on the way may get
the "having trouble" answer. Then a red flag on every channel with the action server down.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

import pytest

from actions.pumping_log import KEEP_DAYS
from coach.clinic import clinic
from harness import long_conversation as lc
from harness.conversation import Conversation
from harness.platforms import CHANNEL_ENV
from harness.server import running_server
from tests.integration.test_channels import phone, tg_post, tg_update, tw_params, tw_post, tw_sender, wa_payload, wa_post

# A session holds at most rasa_patches/session_size.py's 150 events; with the slots (the pumping log)
# and one message's own events, what Rasa posts to the action server stays far below this.
MAX_SESSION_BYTES = 200_000


def _check_run(server, run: lc.Run, today: date) -> None:
    assert not run.troubled(), [(t.index, t.text) for t in run.troubled()][:5]
    assert lc.reaches_a_person(run.last("red_flag").reply), run.last("red_flag").reply
    problems = lc.week_lines_match(run.last("show_log").reply, run.logged, today)
    assert not problems, problems
    # A human-contact answer only where one belongs: the red flag, and the request for a person.
    alarms = [t.text for t in run.turns if t.kind not in ("red_flag", "handoff") and lc.reaches_a_person(t.reply)]
    assert alarms == []


def _stored(server, sender):
    events = server.events(sender)
    return (sum(e.get("event") == "user" for e in events), sum(e.get("event") == "session_started" for e in events))


def test_five_hundred_messages_in_one_sitting(server):
    run = lc.marathon(server, 500)
    _check_run(server, run, date(2026, 12, 7))
    sender = run.sender
    users, sessions = _stored(server, sender)
    # Every message is kept for the review app's transcript, across the sessions the length started.
    assert users == len(run.turns)
    assert sessions >= len(run.turns) * 6 // 150
    assert lc.action_bytes(server, sender) < MAX_SESSION_BYTES
    diagnoses = [t for t in run.turns if lc.DIAGNOSIS_MARK in t.reply]
    assert len(diagnoses) == 2  # both troubleshooting runs reached a diagnosis, whatever session they crossed


def test_eight_weeks_of_logs_questions_and_checkins(server):
    run = lc.weeks(server, 8)
    last_day = date(2026, 10, 12) + timedelta(days=8 * 7 - 1)
    _check_run(server, run, last_day)
    sender = run.sender
    users, sessions = _stored(server, sender)
    assert users == len(run.turns)
    assert sessions >= 8 * 7  # a new session every simulated day at least
    answered = [t for t in run.turns if t.kind == "checkin_answer"]
    assert len(answered) == 18  # one every three days
    slots = Conversation(server, sender=sender).slots()
    # The slot keeps the 28 days before the last entry was recorded (at 21:20 of the last day).
    last_entry_clock = datetime.combine(last_day, datetime.min.time()).replace(hour=lc.LOG_HOURS[-1], minute=20)
    kept = [ml for at, ml in run.logged if at >= last_entry_clock - timedelta(days=KEEP_DAYS)]
    assert [e["ml"] for e in slots["pumping_log"]] == kept and len(kept) == KEEP_DAYS * len(lc.LOG_HOURS)
    assert slots["outcome"] in ("better", "same")
    assert lc.action_bytes(server, sender) < MAX_SESSION_BYTES


# ------------------------------------------------------------------ the action server down
@pytest.fixture(scope="module")
def server_without_actions(tmp_path_factory, fake_platform):
    """The Rasa server with no action server behind it (its port closed), every channel on."""
    env = {**CHANNEL_ENV, **fake_platform.api_urls()}
    with running_server(tmp_path_factory.mktemp("no-actions"), env, with_actions=False) as srv:
        yield srv


RED_FLAG = "fever of 102 and my breast is red hot and painful"


def _marked(server, sender) -> bool:
    """Marked for staff as any red flag is: the slot the review app's queue and the alerts read."""
    return any(e.get("event") == "slot" and e.get("name") == "red_flag" and e.get("value") for e in server.events(sender))


def _sent_with_numbers(calls) -> bool:
    return any(lc.reaches_a_person(json.dumps(call["body"], ensure_ascii=False)) for call in calls)


def test_without_the_action_server_a_red_flag_still_reaches_a_person_on_every_channel(server_without_actions,
                                                                                        fake_platform):
    srv = server_without_actions
    chat = Conversation(srv)
    chat.say(RED_FLAG)
    assert lc.reaches_a_person(chat.text), chat.text
    assert _marked(srv, chat.sender)

    tg = uuid.uuid4().int % 10**9
    assert tg_post(srv, tg_update(tg, RED_FLAG))[0] == 200
    assert _sent_with_numbers([c for c in fake_platform.calls_to("/sendMessage") if c["body"]["chat_id"] == str(tg)])
    assert _marked(srv, str(tg))

    wa = phone()
    assert wa_post(srv, wa_payload(wa, {"type": "text", "text": {"body": RED_FLAG}}))[0] == 200
    assert _sent_with_numbers([c for c in fake_platform.calls_to("/messages") if c["body"].get("to") == wa])
    assert _marked(srv, wa)

    tw = tw_sender()
    assert tw_post(srv, tw_params(tw, RED_FLAG))[0] == 200
    assert _sent_with_numbers([c for c in fake_platform.calls_to("Messages.json") if c["body"].get("To") == tw])
    assert _marked(srv, tw)


def test_without_the_action_server_a_request_for_a_person_is_answered_and_other_messages_say_trouble(
        server_without_actions):
    chat = Conversation(server_without_actions)
    chat.say("can i talk to a person")
    assert lc.reaches_a_person(chat.text), chat.text
    chat.say("how long can milk stay in the fridge")  # needs the action server: the honest "try again"
    assert lc.TROUBLE_MARK in chat.text


def test_a_red_flag_in_spanish_gets_every_number_even_without_the_action_server(server_without_actions):
    chat = Conversation(server_without_actions)
    chat.say("mi bebé tiene 10 días, solo 2 pañales mojados hoy y casi no despierta para comer")
    assert lc.reaches_a_person(chat.text), chat.text
    assert clinic().crisis_line in chat.text and "Lo siento" in chat.text
