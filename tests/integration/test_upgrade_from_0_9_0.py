"""The upgrade docs/upgrading.md describes, from the last version without migrations: this version's server
started on a conversation database that 0.9.0 wrote (tests/fixtures/tracker-0.9.0.sql, made by running
0.9.0's own server) keeps every event and the booked check-in, records its schema revision, and carries
the old conversation on where it stopped."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from channels import schema
from harness.conversation import Conversation
from harness.server import running_server

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tracker-0.9.0.sql"
LOCAL = {"local_time": "2026-11-29T10:00"}


def test_a_0_9_0_database_is_migrated_and_its_conversations_go_on(tmp_path):
    db_path = tmp_path / "rasa.db"
    with sqlite3.connect(db_path) as db:
        db.executescript(FIXTURE.read_text())
        before = db.execute("SELECT count(*) FROM events").fetchone()[0]
        (sender,) = db.execute("SELECT sender_id FROM checkin").fetchone()
        assert "assistant_schema_version" not in {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    with running_server(tmp_path, {}) as server:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            assert set(schema.TABLES) <= tables  # channel_message_seen was missing in 0.9.0's file
            assert db.execute(f"SELECT version_num FROM {schema.VERSION_TABLE}").fetchall() == [(schema.head(),)]
            assert db.execute("SELECT count(*) FROM events").fetchone()[0] == before
            assert db.execute("SELECT status FROM checkin WHERE sender_id = ?", (sender,)).fetchall() == [("pending",)]
        # The parent who booked the check-in under 0.9.0 answers it under this version.
        chat = Conversation(server, sender=sender)
        chat.say("it didn't help", metadata=LOCAL)
        assert chat.slots()["outcome"] == "same"
        assert "lactation consultant" in chat.text
