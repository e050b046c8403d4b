"""Channel helpers that need no server: settings, duplicates, splitting, platform limits."""
import asyncio
import sqlite3

import pytest
import sqlalchemy as sa
import yaml

from channels.common import (
    SeenIds,
    env_settings,
    post_with_retry,
    split_text,
    sqlite_for_workers,
    user_text,
)
from channels.telegram import MAX_CALLBACK_BYTES, TelegramInput, TelegramOutput, callback_data
from channels.twilio_whatsapp import NumberedOptions, TwilioWhatsAppInput
from channels.whatsapp import interactive_for
from coach import replies
from coach.prompts import PROMPTS
from harness import ROOT
from harness.server import free_port


def all_button_titles():
    titles = [t for q in PROMPTS.values() for t, _ in q.options]
    titles += [v for k, v in vars(replies).items() if k.isupper() and isinstance(v, str) and len(v) < 60]
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    titles += [b["title"] for r in domain["responses"].values() for v in r for b in v.get("buttons", [])]
    return titles


def test_env_settings_all_or_nothing():
    names = {"a": "X_A", "b": "X_B", "c": "X_C?"}
    assert env_settings(names, {"X_A": "1"}) is None
    assert env_settings(names, {"X_A": "1", "X_B": " 2 "}) == {"a": "1", "b": "2", "c": ""}


def test_seen_ids_remembers_and_forgets():
    seen = SeenIds(max_items=2)
    assert seen.first_time("a") and not seen.first_time("a")
    seen.forget("a")
    assert seen.first_time("a")
    seen.first_time("b"), seen.first_time("c")  # "a" falls out of the bounded memory
    assert seen.first_time("a")


def test_with_an_sql_store_a_retry_is_recognised_by_another_worker(tmp_path):
    # Two workers' channels over one real SQLite file, found as the workers find it: through the
    # agent's tracker store.
    from types import SimpleNamespace

    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "rasa.db"))
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))
    first, second = SeenIds(namespace="telegram"), SeenIds(namespace="telegram")
    assert first.first_time("42", app)
    assert not second.first_time("42", app)  # the platform's retry, reaching the other worker
    assert SeenIds(namespace="whatsapp").first_time("42", app)  # another platform's id 42 is another message
    second.forget("42")  # handling failed there: the next retry must get through
    assert first.first_time("42", app)


def test_numbered_options_offered_by_one_worker_are_read_by_another(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'rasa.db'}")
    sender, reader = NumberedOptions(), NumberedOptions()
    sender.use_database(engine)
    reader.use_database(engine)
    sender.offer("whatsapp:+1555", ["/affirm", "/deny"])
    assert reader.read("whatsapp:+1555", "2") == "/deny"
    assert reader.read("whatsapp:+1555", "3") == "3" and reader.read("whatsapp:+1999", "1") == "1"
    sender.offer("whatsapp:+1555", [])  # a message without options: "1" means just "1" again
    assert reader.read("whatsapp:+1555", "1") == "1"


def test_split_text_respects_the_limit_and_keeps_every_word():
    text = " ".join(f"word{i}" for i in range(3000))
    pieces = split_text(text, 4096)
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert split_text("x" * 5000, 4096) == ["x" * 4096, "x" * 904]


def test_typed_commands_lose_their_slash():
    assert user_text("/restart") == "restart"
    assert user_text('/inform{"a": 1}') == 'inform{"a": 1}'
    assert user_text("/ /restart") == "restart" and user_text(" /restart") == "restart"
    assert user_text("/") == "?"


def test_every_button_fits_telegram_callback_data():
    for title in all_button_titles():
        assert callback_data(title) == title and len(title.encode()) <= MAX_CALLBACK_BYTES, title


def test_callback_data_is_cut_on_a_character_boundary():
    assert len(callback_data("é" * 40).encode()) <= MAX_CALLBACK_BYTES


def test_whatsapp_chooses_buttons_or_a_list():
    short = interactive_for("q", [{"title": "Yes", "payload": "Yes"}, {"title": "No", "payload": "No"}])
    assert short["type"] == "button"
    long_titles = [{"title": t, "payload": t} for t in all_button_titles()[:12]]
    listed = interactive_for("q", long_titles)
    rows = listed["action"]["sections"][0]["rows"]
    assert listed["type"] == "list" and len(rows) == 10
    assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)


def test_numbered_options():
    options = NumberedOptions(max_senders=1)
    options.offer("a", ["Yes", "No"])
    assert options.read("a", "2") == "No" and options.read("a", "3") == "3" and options.read("a", "no") == "no"
    options.offer("b", ["x"])
    assert options.read("a", "1") == "1"  # forgotten: bounded memory


def test_telegram_refuses_a_malformed_secret():
    with pytest.raises(ValueError, match="TELEGRAM_SECRET_TOKEN"):
        TelegramInput({"token": "t", "secret": "has spaces", "webhook_url": "u", "bot_name": "", "api_url": ""})


def test_twilio_number_must_be_a_whatsapp_address():
    with pytest.raises(ValueError, match="whatsapp:"):
        TwilioWhatsAppInput({"account_sid": "AC", "auth_token": "t", "number": "+1555", "webhook_url": "u",
                             "api_url": ""})


def test_unreachable_platform_is_reported_not_raised():
    out = TelegramOutput("1:x", f"http://127.0.0.1:{free_port()}")
    assert asyncio.run(out.set_webhook("https://x", "s")) is False
    assert asyncio.run(post_with_retry(f"http://127.0.0.1:{free_port()}/x", json={})) is None


def test_long_telegram_reply_is_split(fake_platform):
    out = TelegramOutput("9:SPLIT", fake_platform.url)
    asyncio.run(out.send_text_with_buttons("77", "word " * 2000, [{"title": "OK", "payload": "OK"}]))
    sent = [c["body"] for c in fake_platform.calls_to("/bot9:SPLIT/sendMessage")]
    assert len(sent) == 3 and all(len(b["text"]) <= 4096 for b in sent)
    assert "reply_markup" in sent[-1] and all("reply_markup" not in b for b in sent[:-1])


def test_twilio_forgets_options_once_a_message_without_options_is_sent(fake_platform):
    from channels.twilio_whatsapp import TwilioWhatsAppOutput

    options = NumberedOptions()
    settings = {"account_sid": "AC9", "auth_token": "t", "number": "whatsapp:+1", "api_url": fake_platform.url}
    out = TwilioWhatsAppOutput(settings, options)
    fresh = [{"title": "Freshly pumped", "payload": "Freshly pumped"}]
    asyncio.run(out.send_text_with_buttons("whatsapp:+2", "Was it fresh?", fresh))
    assert options.read("whatsapp:+2", "1") == "Freshly pumped"
    asyncio.run(out.send_text_message("whatsapp:+2", "About how long has it been there?"))
    assert options.read("whatsapp:+2", "1") == "1"


def test_whatsapp_skips_messages_without_id_and_odd_text_types():
    from channels.whatsapp import incoming_messages

    payload = {"entry": [{"changes": [{"value": {"messages": [
        {"from": "1", "type": "text", "text": {"body": "no id"}},
        {"id": "w1", "from": "1", "type": "text", "text": {"body": 42}},
    ]}}]}]}
    assert list(incoming_messages(payload)) == [("w1", "1", None)]


def test_a_sqlite_file_for_the_workers_is_kept_open_and_write_ahead_logged(tmp_path):
    path = tmp_path / "workers.db"
    engine = sqlite_for_workers(sa.create_engine(f"sqlite:///{path}"))
    connections = []
    for n in range(3):
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
            conn.exec_driver_sql(f"INSERT INTO t VALUES ({n})")
            connections.append(conn.connection.dbapi_connection)
    assert connections[0] is connections[1] is connections[2]  # one connection, kept open
    # Another process sees every committed row, and the file itself is in write-ahead-log mode.
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert other.execute("SELECT n FROM t ORDER BY n").fetchall() == [(0,), (1,), (2,)]
    other.close()


def test_other_databases_are_left_as_they_are():
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql://user:secret@127.0.0.1:1/none"):
        engine = sa.create_engine(url)
        assert sqlite_for_workers(engine) is engine, url


def test_a_database_held_by_another_process_keeps_its_mode_and_still_works(tmp_path, caplog):
    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (n INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
    engine = sqlite_for_workers(sa.create_engine(f"sqlite:///{path}?timeout=0.2"))
    assert "left in its journal mode" in caplog.text
    holder.execute("COMMIT")
    holder.close()
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
