"""Fixtures for the review app: conversations held with the real assistant, then one database per test.

`recorded` talks to the session's real Rasa server (web chat and Telegram) once and snapshots what it
stored. Each test gets its own copy of that tracker store, SQLite or PostgreSQL, and its own empty
review database, like the Flask tutorial's conftest.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

import pytest
import sqlalchemy as sa

from harness.conversation import Conversation
from harness.platforms import CHANNEL_ENV
from review.db import migrate, own_engine
from review.schema import events as events_table
from review.settings import Settings

PG_ENV = "TEST_POSTGRES_URL"
PASSWORD = "long enough passphrase 1"

# The conversations the review tests read, by role. Texts a parent might really send.
SCRIPTS: Dict[str, list] = {
    "red_flag": ["my pump gives almost nothing", "also I have a fever and a red, hot, painful lump in my breast"],
    "handoff": ["hello", "can i talk to a real person please"],
    "misunderstood": ["asdkj qwpoe zzxv", "lkjh poiu mnbv", "qqq www eee rrr"],
    "contact": ["how long can thawed milk stay in the fridge",
                "my number is +44 7700 900123 and my email is jo.parent@example.org, thanks"],
    # The first question for an opening that says nothing else is the flange fit (coach/diagnosis.py).
    "troubleshooting": ["my pump hardly gives anything", "Fits fine", "I'm fine with it"],
}
TELEGRAM_CHAT_ID = 5550123987
TELEGRAM_TEXT = "how should my flange fit?"


@dataclass
class Recorded:
    db_path: Path
    senders: Dict[str, str]


@pytest.fixture(scope="session")
def recorded(server, tmp_path_factory) -> Recorded:
    senders: Dict[str, str] = {}
    for role, texts in SCRIPTS.items():
        chat = Conversation(server, sender=f"{role}-{uuid.uuid4().hex[:8]}")
        for text in texts:
            chat.say(text)
        senders[role] = chat.sender
    update = {"update_id": uuid.uuid4().int % 10 ** 9, "message": {
        "message_id": 1, "chat": {"id": TELEGRAM_CHAT_ID, "type": "private"}, "from": {"id": TELEGRAM_CHAT_ID},
        "date": 0, "text": TELEGRAM_TEXT}}
    status, _ = server.post(json.dumps(update).encode(), path="/webhooks/telegram/webhook",
                            headers={"X-Telegram-Bot-Api-Secret-Token": CHANNEL_ENV["TELEGRAM_SECRET_TOKEN"]})
    assert status == 200
    senders["telegram"] = str(TELEGRAM_CHAT_ID)
    # A consistent copy even while the server might still write (sqlite's online backup).
    snapshot = tmp_path_factory.mktemp("recorded") / "rasa.db"
    with sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True) as src, sqlite3.connect(snapshot) as dst:
        src.backup(dst)
    with sqlite3.connect(snapshot) as db:
        keep = list(senders.values())
        # Only this module's conversations: other tests in the session share the server.
        db.execute(f"DELETE FROM events WHERE sender_id NOT IN ({','.join('?' * len(keep))})", keep)
    return Recorded(snapshot, senders)


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.fail(f"{PG_ENV} is not set: run the tests with `make test`, which starts a PostgreSQL server "
                    "(scripts/with-postgres)")
    return url


def _copy_events_into(url: str, sqlite_path: Path) -> None:
    """Rasa's own SQLTrackerStore makes the events table; then the recorded rows go in, ids kept."""
    from rasa.core.tracker_store import SQLTrackerStore
    parsed = sa.engine.make_url(url)
    store = SQLTrackerStore(dialect="postgresql", host=parsed.host, port=parsed.port, db=parsed.database,
                            username=parsed.username, password=parsed.password or "")
    store.engine.dispose()
    with sqlite3.connect(sqlite_path) as db:
        rows = [dict(zip(("id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"), r, strict=True))
                for r in db.execute("SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events")]
    engine = sa.create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(events_table.insert(), rows)
    engine.dispose()


@dataclass
class Databases:
    settings: Settings
    tracker_writable_url: str
    backend: str


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, recorded, tmp_path) -> Iterator[Databases]:
    """A fresh copy of the recorded tracker store and an empty review database on one backend."""
    backend = request.param
    secret_file = tmp_path / "review-secret.key"
    if backend == "sqlite":
        tracker_path = tmp_path / "rasa.db"
        shutil.copy(recorded.db_path, tracker_path)
        tracker_url, review_url = f"sqlite:///{tracker_path}", f"sqlite:///{tmp_path / 'review.db'}"
        yield _ready(Databases(Settings.from_env({}, tracker_url=tracker_url, database_url=review_url,
                                                 secret_file=secret_file), tracker_url, backend))
        return
    admin_url = sa.engine.make_url(_pg_admin_url())
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}_rasa"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}_review"'))
    tracker_url = str(admin_url.set(database=f"{name}_rasa"))
    review_url = str(admin_url.set(database=f"{name}_review"))
    _copy_events_into(tracker_url, recorded.db_path)
    try:
        yield _ready(Databases(Settings.from_env({}, tracker_url=tracker_url, database_url=review_url,
                                                 secret_file=secret_file), tracker_url, backend))
    finally:
        with admin.connect() as conn:
            for db in (f"{name}_rasa", f"{name}_review"):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def _ready(dbs: Databases) -> Databases:
    migrate(own_engine(dbs.settings.database_url))
    return dbs


@pytest.fixture
def app(databases):
    from review.web import create_app
    app = create_app(databases.settings)
    app.config["TESTING"] = True
    yield app
    ext = app.extensions["review"]
    ext["own"].dispose()
    ext["tracker"].dispose()


def make_user(settings: Settings, name: str, role: str, password: str = PASSWORD) -> None:
    from review import accounts
    engine = own_engine(settings.database_url)
    with engine.begin() as conn:
        accounts.create_user(conn, name, password, role, settings, actor="test")
    engine.dispose()


def form_token(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def login(client, name: str, password: str = PASSWORD, next_path: str = ""):
    page = client.get("/login")
    return client.post("/login" + (f"?next={next_path}" if next_path else ""),
                       data={"csrf_token": form_token(page.get_data(as_text=True)), "username": name,
                             "password": password})


def logged_in(app, name: str, role: str):
    """A test client with a live session of a new account."""
    make_user(app.extensions["review"]["settings"], name, role)
    client = app.test_client()
    resp = login(client, name)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    client.csrf = form_token(client.get("/queue").get_data(as_text=True))
    return client
