"""A parent's right to erasure, asked in the chat: one question, a yes erases everything the assistant
holds (events, pumping log, check-ins), the review app removes its copy and audits it without content
(the real Rasa server, its SQLite store, the review app's functions on a fresh database)."""
from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from coach.vocabulary import RED_FLAG_ACTION
from harness.conversation import Conversation
from harness.server import Server
from review.alert_worker import run_once
from review.db import migrate, own_engine, tracker_engine
from review.schema import audit_log, conversation
from review.settings import Settings
from tests.integration.test_channels import tg_post, tg_update


def rows(server: Server, table: str, column: str, sender: str) -> int:
    with sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            return 0
        return db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (sender,)).fetchone()[0]


def texts(replies) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def test_a_parent_deletes_the_conversation_from_the_web_chat(server: Server, tmp_path):
    chat = Conversation(server)
    chat.say("pumped 60 ml at 9am")
    chat.say("how long can pumped milk stay in the fridge?")
    settings = Settings.from_env({}, tracker_url=f"sqlite:///{server.db_path}",
                                 database_url=f"sqlite:///{tmp_path / 'review.db'}",
                                 secret_file=tmp_path / "review-secret.key")
    own, tracker = own_engine(settings.database_url), tracker_engine(settings.tracker_url)
    migrate(own)
    run_once(settings, own, tracker)  # the review app has indexed the conversation
    with own.connect() as conn:
        assert conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id == chat.sender)).first()

    asked = chat.say("please delete my conversation")
    assert "delete this whole conversation" in texts(asked)
    assert [b["title"] for b in asked[-1]["buttons"]] == ["Yes, delete everything", "No, keep it"]
    assert rows(server, "events", "sender_id", chat.sender) > 0  # nothing deleted before the yes
    yes = asked[-1]["buttons"][0]["payload"]  # the button, as the page sends it
    status, body = server.post(f'{{"sender": "{chat.sender}", "message": "{yes}"}}'.encode())
    assert status == 200 and body.get("erased") is True
    assert "this conversation is deleted" in texts(body["messages"])
    assert server.events(chat.sender) == []  # every event gone, the answer to the yes too
    assert rows(server, "checkin", "sender_id", chat.sender) == 0
    assert rows(server, "erasure_request", "sender_id", chat.sender) == 1  # until the review app has it

    assert run_once(settings, own, tracker).erased >= 1
    with own.connect() as conn:
        assert not conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id == chat.sender)).first()
        lines = conn.execute(sa.select(audit_log).where(audit_log.c.action == "erase")).all()
    assert len(lines) >= 1 and all(chat.sender not in (line.target + line.detail) for line in lines)
    assert all("60" not in line.detail and "fridge" not in line.detail for line in lines)  # no content
    assert run_once(settings, own, tracker).erased == 0  # each request once

    # The same id writing again starts a new, empty conversation.
    again = Conversation(server, sender=chat.sender)
    assert again.say("hi")
    assert not any(e.get("text") == "pumped 60 ml at 9am" for e in server.events(chat.sender))


def test_a_no_or_a_late_yes_keeps_everything(server: Server):
    chat = Conversation(server)
    chat.say("delete everything I told you")
    kept = chat.say("no")
    assert "kept everything" in texts(kept)
    chat.say("can you erase all my data")
    chat.say("what flange size should i be using")  # something else before the yes
    chat.say("yes")
    stored = [e.get("text") for e in server.events(chat.sender) if e.get("event") == "user"]
    assert "delete everything I told you" in stored and "yes" in stored


def test_a_red_flag_in_the_same_message_is_answered_first(server: Server):
    chat = Conversation(server)
    chat.say("delete my chat, also my breast is red and hot and I have a fever of 39")
    actions = [e.get("name") for e in server.events(chat.sender) if e.get("event") == "action"]
    assert RED_FLAG_ACTION in actions and "utter_ask_erase" not in actions
    assert server.events(chat.sender)  # nothing erased


def test_a_parent_deletes_the_conversation_on_telegram(server: Server, fake_platform):
    chat_id = 7700000000 + (id(server) % 10**6)
    assert tg_post(server, tg_update(chat_id, "pumped 40 ml this morning"))[0] == 200
    assert tg_post(server, tg_update(chat_id, "forget me"))[0] == 200
    assert server.events(str(chat_id))
    assert tg_post(server, tg_update(chat_id, "yes"))[0] == 200
    assert server.events(str(chat_id)) == []
