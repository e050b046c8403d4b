"""scripts/backup and scripts/restore against a running system, as a clinic's IT person uses them.

A real Rasa server (two workers, the lock store in the tracker database), action server and alert
worker run on SQLite or PostgreSQL; parents hold conversations (a red flag, a request for a person, a
booked check-in), a member of staff writes a note in the review app. The backup is taken while a
parent keeps chatting; it is restored into an empty system, the index rebuilt, and everything is
there: the rows of every table, one conversation's transcript as the review app exports it (with the
note), the key. A changed backup and a target that holds data are refused.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import sqlalchemy as sa

from harness import ROOT
from harness.conversation import Conversation
from harness.server import Server, free_port, model_path, stop_processes, wait_until_up
from review import conversations
from review.db import own_engine, tracker_engine
from review.settings import Settings
from serving.backup import MANIFEST, pg_counts, sqlite_counts
from tests.fixtures.databases import database_url
from tests.fixtures.review import SCRIPTS, logged_in

START_S = 300
BACKUP = str(ROOT / "scripts" / "backup")
RESTORE = str(ROOT / "scripts" / "restore")
ROLES = ("red_flag", "handoff", "contact", "outcome")


@dataclass
class Target:
    """One system's data: the settings the scripts read, and the same as URLs for the test to read."""
    env: Dict[str, str]
    tracker_url: str
    review_url: str
    key_file: Path

    def counts(self, which: str) -> Dict[str, int]:
        url = self.tracker_url if which == "tracker" else self.review_url
        return sqlite_counts(Path(sa.engine.make_url(url).database)) if url.startswith("sqlite") else pg_counts(url)

    def settings(self) -> Settings:
        return Settings.from_env({}, tracker_url=self.tracker_url, database_url=self.review_url,
                                 secret_file=self.key_file)


def base_env() -> Dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    for name in ("REVIEW_TRACKER_URL", "REVIEW_DATABASE_URL", "REVIEW_SECRET_FILE", "PROMETHEUS_MULTIPROC_DIR",
                 "DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME"):
        env.pop(name, None)
    return env


class Systems:
    """Makes the databases of a live system and of empty restore targets on one engine."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend, self.tmp = backend, tmp
        self.made: List[str] = []
        if backend == "postgresql":
            self.admin = sa.create_engine(database_url("postgresql", tmp), isolation_level="AUTOCOMMIT", future=True)
            self.role, self.password = f"bk_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
            with self.admin.connect() as conn:
                conn.execute(sa.text(f"CREATE ROLE {self.role} LOGIN PASSWORD '{self.password}'"))

    def target(self, name: str) -> Target:
        key = self.tmp / name / "review-secret.key"
        (self.tmp / name).mkdir()
        if self.backend == "sqlite":
            tracker, review = f"sqlite:///{self.tmp / name / 'rasa.db'}", f"sqlite:///{self.tmp / name / 'review.db'}"
            return Target({**base_env(), "REVIEW_TRACKER_URL": tracker, "REVIEW_DATABASE_URL": review,
                           "REVIEW_SECRET_FILE": str(key)}, tracker, review, key)
        url = self.admin.url
        with self.admin.connect() as conn:
            for db in (f"{self.role}_{name}_rasa", f"{self.role}_{name}_review"):
                conn.execute(sa.text(f'CREATE DATABASE "{db}" OWNER {self.role}'))
                self.made.append(db)
        as_role = url.set(username=self.role, password=self.password)
        tracker = as_role.set(database=f"{self.role}_{name}_rasa").render_as_string(hide_password=False)
        review = as_role.set(database=f"{self.role}_{name}_review").render_as_string(hide_password=False)
        # The tracker is named the way endpoints.postgresql.yml names it (DB_*), as a clinic sets it up.
        return Target({**base_env(), "DB_HOST": url.host, "DB_PORT": str(url.port), "DB_USER": self.role,
                       "DB_PASSWORD": self.password, "DB_NAME": f"{self.role}_{name}_rasa",
                       "REVIEW_DATABASE_URL": review, "REVIEW_SECRET_FILE": str(key)}, tracker, review, key)

    def close(self) -> None:
        if self.backend == "postgresql":
            with self.admin.connect() as conn:
                for db in self.made:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                conn.execute(sa.text(f"DROP ROLE IF EXISTS {self.role}"))
            self.admin.dispose()


@contextmanager
def running_system(target: Target, tmp: Path) -> Iterator[Server]:
    """The action server, the Rasa server (as scripts/run serves it: serving.supervisor, two workers,
    locks in the tracker database) and the review app's alert worker, on free loopback ports."""
    port, action_port = free_port(), free_port()
    if target.tracker_url.startswith("sqlite"):
        store = f"  dialect: sqlite\n  db: {sa.engine.make_url(target.tracker_url).database}\n"
    else:
        url = sa.engine.make_url(target.tracker_url)
        store = (f"  dialect: postgresql\n  url: {url.host}\n  port: {url.port}\n  db: {url.database}\n"
                 f"  username: {url.username}\n  password: {url.password}\n")
    # As endpoints.yml and endpoints.postgresql.yml have it: the conversations and the locks in one database.
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
                         f"tracker_store:\n  type: rasa_patches.sql_tracker_store.PlainSQLTrackerStore\n{store}"
                         f"lock_store:\n  type: rasa_patches.sql_lock_store.SQLLockStore\n{store}")
    env = {**target.env, "SANIC_WORKERS": "2",
           "CHECKIN_POLL_S": "1", "SANIC_HOST": "127.0.0.1", "SANIC_REQUEST_MAX_SIZE": "65536",
           "ALERT_POLL_SECONDS": "1", "REVIEW_TRACKER_URL": target.tracker_url}
    server = Server(f"http://127.0.0.1:{port}", tmp / "unused.db")
    server.action_port, server.env = action_port, env
    try:
        server.start_action_server(tmp / "actions.log")
        log = tmp / "rasa.log"
        rasa = subprocess.Popen(
            [sys.executable, "-m", "serving.supervisor", "--workers", "2", "--host", "127.0.0.1", "--port", str(port),
             "--", "run", "--model", str(model_path()), "--endpoints", str(endpoints), "--credentials",
             str(ROOT / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        server.processes.append(rasa)
        wait_until_up(f"{server.webchat}/", rasa, log, START_S)
        alerts = subprocess.Popen([str(ROOT / "scripts" / "review"), "alerts"], cwd=ROOT, env=env,
                                  stdout=(tmp / "alerts.log").open("w"), stderr=subprocess.STDOUT)
        server.processes.append(alerts)
        yield server
    finally:
        stop_processes(server.processes)


def wait_for(what: str, ok, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {seconds} s")


def events_of(target: Target, sender: str) -> List[Tuple]:
    engine = tracker_engine(target.tracker_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT id, type_name, timestamp, intent_name, action_name, data FROM events WHERE sender_id = :s "
                "ORDER BY id"), {"s": sender})]
    finally:
        engine.dispose()


def senders_of(target: Target) -> set:
    engine = tracker_engine(target.tracker_url)
    try:
        with engine.connect() as conn:
            return {r[0] for r in conn.execute(sa.text("SELECT DISTINCT sender_id FROM events"))}
    finally:
        engine.dispose()


def review_rows(target: Target, query: str) -> List[Tuple]:
    engine = own_engine(target.review_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def transcript(target: Target, sender: str) -> List[Dict]:
    """The conversation as the review app exports it: masked messages, pseudonym, notes, outcome."""
    settings = target.settings()
    own, tracker = own_engine(settings.database_url), tracker_engine(settings.tracker_url)
    try:
        with own.connect() as conn:
            pseudonym = conn.execute(sa.text("SELECT pseudonym FROM conversation WHERE sender_id = :s"),
                                     {"s": sender}).scalar_one()
            return conversations.export_records(conn, tracker, [pseudonym], settings.low_confidence)
    finally:
        own.dispose()
        tracker.dispose()


def run(command: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def write_note(target: Target, sender: str) -> None:
    """A member of staff logs in to the review app and writes a note on the conversation."""
    from review.web import create_app
    app = create_app(target.settings())
    app.config["TESTING"] = True
    try:
        client = logged_in(app, "nurse.backup", "reviewer")
        pseudonym = review_rows(target, f"SELECT pseudonym FROM conversation WHERE sender_id = '{sender}'")[0][0]
        page = client.post(f"/c/{pseudonym}/notes", data={"csrf_token": client.csrf, "body": "called back, all well"})
        assert page.status_code in (200, 302), page.get_data(as_text=True)
    finally:
        app.extensions["review"]["own"].dispose()
        app.extensions["review"]["tracker"].dispose()


class Chatter(threading.Thread):
    """A parent who keeps writing while the backup runs: (start, end) of every answered message."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.chat = Conversation(server, sender=f"busy-{uuid.uuid4().hex[:16]}")
        self.stop = threading.Event()
        self.spans: List[Tuple[float, float]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        texts = ["how long can thawed milk stay in the fridge", "what flange size should i be using"]
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                assert self.chat.say(texts[len(self.spans) % 2]), "no answer"
                self.spans.append((started, time.monotonic()))
        except BaseException as err:  # reported by the test, not lost in the thread
            self.error = err


@pytest.fixture(params=["sqlite", "postgresql"])
def systems(request, tmp_path) -> Iterator[Systems]:
    made = Systems(request.param, tmp_path)
    try:
        yield made
    finally:
        made.close()


def test_a_backup_of_a_running_system_restores_into_an_empty_one(systems, tmp_path):
    live = systems.target("live")
    senders: Dict[str, str] = {}
    with running_system(live, tmp_path) as server:
        for role in ROLES:
            chat = Conversation(server, sender=f"{role}-{uuid.uuid4().hex[:8]}")
            for text in SCRIPTS[role]:
                chat.say(text)
            senders[role] = chat.sender
        # The alert worker indexes and raises alerts; the Rasa server copies the booked check-in.
        wait_for("alerts for the red flag and the request for a person",
                 lambda: len(review_rows(live, "SELECT id FROM alert")) >= 2 and
                 len(review_rows(live, "SELECT id FROM conversation")) >= len(ROLES))
        wait_for("the booked check-in", lambda: live.counts("tracker").get("checkin", 0) >= 1)
        write_note(live, senders["red_flag"])

        chatter = Chatter(server)
        chatter.start()
        wait_for("the busy parent's first answers", lambda: len(chatter.spans) >= 2 or chatter.error)
        assert chatter.error is None, chatter.error
        backup_dir = tmp_path / "backups"
        started = time.monotonic()
        made = run([BACKUP, str(backup_dir)], live.env)
        ended = time.monotonic()
        wait_for("answers after the backup", lambda: any(s > ended for s, _ in chatter.spans) or chatter.error)
        chatter.stop.set()
        chatter.join(60)
        assert chatter.error is None, chatter.error
        assert made.returncode == 0, made.stderr
        # The assistant answered throughout: a message was in flight while the backup ran.
        assert any(s < ended and e > started for s, e in chatter.spans), (started, ended, chatter.spans)

        before = {role: events_of(live, sender) for role, sender in senders.items()}
        busy_live = events_of(live, chatter.chat.sender)
        before_transcript = transcript(live, senders["red_flag"])
        live_key = live.key_file.read_bytes()

    [backup] = list(backup_dir.iterdir())
    assert stat.S_IMODE(backup_dir.stat().st_mode) == 0o700 and stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in backup.iterdir())
    manifest = json.loads((backup / MANIFEST).read_text())
    assert manifest["tracker"]["engine"] == manifest["review"]["engine"] == systems.backend
    assert manifest["schema_revisions"]["review"] and manifest["schema_revisions"]["rasa"].startswith("3.6.")
    assert manifest["version"] == ((ROOT / "VERSION").read_text().strip() if (ROOT / "VERSION").exists() else None)
    assert manifest["review"]["tables"]["note"] == 1 and manifest["review"]["tables"]["alert"] >= 2
    assert manifest["tracker"]["tables"]["checkin"] >= 1

    # Restore into an empty system: every table as the manifest says, the index rebuilt.
    fresh = systems.target("fresh")
    # The new machine's review app was started once: its tables and a key of its own, no data yet.
    first_start = run([str(ROOT / "scripts" / "review"), "index"], {**fresh.env, "REVIEW_TRACKER_URL": fresh.tracker_url})
    assert first_start.returncode == 0, first_start.stderr
    assert fresh.key_file.read_bytes() != live_key and fresh.counts("review")["alembic_version"] == 1
    restored = run([RESTORE, str(backup)], fresh.env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Index up to date" in restored.stdout and "after index" in restored.stdout
    assert fresh.counts("tracker") == manifest["tracker"]["tables"]
    review_after = fresh.counts("review")
    for table, n in manifest["review"]["tables"].items():
        # The index only adds what arrived between the review copy and the tracker copy.
        assert review_after[table] >= n if table in ("conversation", "alert", "alert_delivery") else \
            review_after[table] == n, (table, n, review_after[table])
    assert {r[0] for r in review_rows(fresh, "SELECT sender_id FROM conversation")} == senders_of(fresh)
    # The rebuilt index reads the restored events to the last one: none is skipped or left out.
    [(last_indexed,)] = review_rows(fresh, "SELECT last_event_id FROM index_state")
    assert last_indexed == max(r[0] for s in senders_of(fresh) for r in events_of(fresh, s))

    # What the parents said, what staff wrote and the key are all back.
    for role, sender in senders.items():
        assert events_of(fresh, sender) == before[role], role
    busy_restored = events_of(fresh, chatter.chat.sender)
    assert busy_restored and busy_restored == busy_live[:len(busy_restored)]  # one moment of the store
    after_transcript = transcript(fresh, senders["red_flag"])
    assert after_transcript == before_transcript
    assert any("called back, all well" in (r["text"] or "") for r in after_transcript)
    assert fresh.key_file.read_bytes() == live_key and stat.S_IMODE(fresh.key_file.stat().st_mode) == 0o600

    # A target that holds data is refused, and replaced only with --force.
    again = run([RESTORE, str(backup)], fresh.env)
    assert again.returncode == 1 and "Not restoring over data already there" in again.stderr
    assert "Traceback" not in again.stderr
    forced = run([RESTORE, str(backup), "--force"], fresh.env)
    assert forced.returncode == 0, forced.stderr
    assert fresh.counts("tracker") == manifest["tracker"]["tables"]

    # A backup changed after it was written is refused before anything is touched.
    tampered = tmp_path / "tampered"
    shutil.copytree(backup, tampered)
    data = tampered / manifest["tracker"]["file"]
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    empty = systems.target("empty")
    refused = run([RESTORE, str(tampered)], empty.env)
    assert refused.returncode == 1 and "sha256 differs" in refused.stderr and "Traceback" not in refused.stderr
    assert not empty.key_file.exists()
    if systems.backend == "sqlite":
        assert not Path(sa.engine.make_url(empty.tracker_url).database).exists()
    else:
        assert empty.counts("tracker") == {} and empty.counts("review") == {}


def _sqlite_system(tmp: Path) -> Dict[str, str]:
    for name in ("rasa.db", "review.db"):
        with sqlite3.connect(tmp / name) as db:
            db.execute("CREATE TABLE t (x INTEGER)")
    (tmp / "review-secret.key").write_text("k" * 64)
    return {**base_env(), "REVIEW_TRACKER_URL": f"sqlite:///{tmp / 'rasa.db'}",
            "REVIEW_DATABASE_URL": f"sqlite:///{tmp / 'review.db'}", "REVIEW_SECRET_FILE": str(tmp / "review-secret.key")}


@pytest.mark.parametrize("problem, expected", [
    ("missing database", "No database at"),
    ("missing key", "No review key file"),
    ("unwritable destination", "Cannot write a backup"),
    ("no pg_dump", "pg_dump was not found"),
])
def test_backup_problems_are_one_clear_line_and_leave_no_backup(tmp_path, problem, expected):
    env = _sqlite_system(tmp_path)
    dest = tmp_path / "backups"
    command = [BACKUP, str(dest)]
    if problem == "missing database":
        env["REVIEW_TRACKER_URL"] = f"sqlite:///{tmp_path / 'nowhere' / 'rasa.db'}"
    elif problem == "missing key":
        env["REVIEW_SECRET_FILE"] = str(tmp_path / "no.key")
    elif problem == "unwritable destination":
        (tmp_path / "a-file").write_text("")
        dest = tmp_path / "a-file" / "backups"  # (root may write anywhere; nobody can write under a file)
        command = [BACKUP, str(dest)]
    else:
        # cron's PATH on a machine without PostgreSQL's client programs.
        (tmp_path / "bin").mkdir()
        env["PATH"] = str(tmp_path / "bin")
        env["REVIEW_TRACKER_URL"] = "postgresql://clinic:secret-password@127.0.0.1:1/rasa"
        command = ["/bin/bash", BACKUP, str(dest)]
    done = run(command, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert "secret-password" not in done.stdout + done.stderr
    assert not dest.exists() or list(dest.iterdir()) == []
