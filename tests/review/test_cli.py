"""The review command line, run as staff would run it: accounts and the retention command."""
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from harness import ROOT
from review.db import own_engine, tracker_engine
from review.indexer import sync
from review.privacy import pseudonym
from review.schema import audit_log, conversation, events, note, staff, tag

DAY = 86400


def run_cli(databases, *args, stdin="", expect=0, env_extra=None):
    s = databases.settings
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_TRACKER_URL": databases.tracker_writable_url,
           "REVIEW_DATABASE_URL": s.database_url, "REVIEW_SECRET_FILE": str(s.secret_file), **(env_extra or {})}
    done = subprocess.run([sys.executable, "-m", "review", *args], input=stdin, capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.returncode == expect, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_create_user_from_the_command_line(databases):
    out = run_cli(databases, "create-user", "Maria", "--role", "admin", "--password-stdin", stdin="a long passphrase\n")
    assert "maria can log in" in out
    with own_engine(databases.settings.database_url).connect() as conn:
        row = conn.execute(sa.select(staff)).one()
    assert row.username == "maria" and row.role == "admin" and row.password_hash.startswith("scrypt$")
    assert "a long passphrase" not in row.password_hash
    assert "at least 12" in run_cli(databases, "create-user", "tom", "--role", "reviewer", "--password-stdin",
                                    stdin="short\n", expect=1)
    assert "already an account" in run_cli(databases, "create-user", "maria", "--role", "reviewer", "--password-stdin",
                                           stdin="another long passphrase\n", expect=1)
    assert "--password-stdin" in run_cli(databases, "create-user", "tom", "--role", "reviewer", expect=1)
    assert "invalid choice" in run_cli(databases, "create-user", "tom", "--role", "owner", expect=2)


def _age(databases, sender, days):
    engine = tracker_engine(databases.tracker_writable_url, read_only=False)
    with engine.begin() as conn:
        conn.execute(events.update().where(events.c.sender_id == sender)
                     .values(timestamp=events.c.timestamp - days * DAY))
    engine.dispose()


def _event_count(databases, sender):
    with tracker_engine(databases.settings.tracker_url).connect() as conn:
        count = sa.select(sa.func.count()).select_from(events).where(events.c.sender_id == sender)
        return conn.execute(count).scalar_one()


def test_retention_dry_run_then_delete(databases, recorded, tmp_path):
    s = databases.settings
    old, kept = recorded.senders["contact"], recorded.senders["handoff"]
    _age(databases, old, 400)
    own, secret = own_engine(s.database_url), s.secret()
    sync(own, tracker_engine(s.tracker_url), s, secret)
    with own.begin() as conn:
        cid = conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id == old)).scalar_one()
        conn.execute(note.insert().values(conversation_id=cid, author="rita", created_at=time.time(), body="x"))
        conn.execute(tag.insert().values(conversation_id=cid, name="old", author="rita", created_at=time.time()))
    before = _event_count(databases, old)
    assert before > 0

    dry = run_cli(databases, "retention", "--days", "365", "--dry-run")
    assert "1 (" in dry and pseudonym(secret, old) in dry and "nothing was deleted" in dry
    assert _event_count(databases, old) == before

    out = run_cli(databases, "retention", "--days", "365")
    assert f"Deleted {before} events" in out
    assert _event_count(databases, old) == 0 and _event_count(databases, kept) > 0
    with own.connect() as conn:
        assert conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id == old)).first() is None
        assert conn.execute(sa.select(sa.func.count()).select_from(note)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(tag)).scalar_one() == 0
        detail = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "retention")).scalar_one()
        assert detail.endswith(f"1 conversations, {before} events deleted")
    assert "0 (0 events)" in run_cli(databases, "retention", "--days", "365", "--dry-run")
    # Without --days the period is clinic.yml's, the one the privacy notice tells parents.
    assert "no message since" in run_cli(databases, "retention", "--dry-run")
    no_period = tmp_path / "clinic.yml"
    no_period.write_text("name: A\nphone: '1'\nhours: h\nemergency_number: '112'\ncrisis_line: c\n")
    assert "retention_days" in run_cli(databases, "retention", expect=1, env_extra={"CLINIC_CONFIG": str(no_period)})
    contradicting = {"CLINIC_CONFIG": str(ROOT / "clinic.yml"), "REVIEW_RETENTION_DAYS": "30"}
    assert "set one of them" in run_cli(databases, "retention", "--dry-run", expect=1, env_extra=contradicting)
    own.dispose()
