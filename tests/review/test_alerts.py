"""Alerts to the on-call, over conversations held with the real assistant, through a real SMTP server
(aiosmtpd) and a real HTTP receiver on loopback, on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from harness import ROOT
from harness.server import free_port
from review import alerts, conversations
from review.alert_worker import run_once
from review.db import own_engine, tracker_engine
from review.notify import SIGNATURE_HEADER
from review.schema import alert, alert_delivery, conversation
from review.schema import events as events_table
from review.settings import AlertSettings, Settings
from tests.fixtures.review import SCRIPTS, logged_in

SECRET = "webhook-secret-for-tests-0123456789"
SMTP_USER, SMTP_PASSWORD = "oncall-relay", "relay password 1"


class Inbox:
    def __init__(self) -> None:
        self.messages: List = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((session.authenticated, envelope.rcpt_tos, message))
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok)


def start_smtp(port: int) -> "tuple[Controller, Inbox]":
    inbox = Inbox()
    # AUTH without TLS only because this server is on loopback inside the test.
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_authenticator,
                            auth_require_tls=False)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp() -> Iterator["tuple[int, Inbox]"]:
    port = free_port()
    controller, inbox = start_smtp(port)
    yield port, inbox
    controller.stop()


class Receiver:
    """A webhook endpoint that records each POST and can refuse the first few."""

    def __init__(self) -> None:
        self.posts: List = []
        self.refuse = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.refuse > 0:
                    receiver.refuse -= 1
                    self.send_response(503)
                else:
                    receiver.posts.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def with_alerts(settings: Settings, **values) -> Settings:
    base = dict(email_from="coach@clinic.example", email_to=("oncall@clinic.example",), smtp_starttls=False,
                public_url="https://review.clinic.example")
    base.update(values)
    return dataclasses.replace(settings, alerts=AlertSettings(**base))


def engines(settings: Settings):
    return own_engine(settings.database_url), tracker_engine(settings.tracker_url)


def alert_rows(own) -> list:
    with own.connect() as conn:
        return conn.execute(sa.select(conversation.c.sender_id, alert.c.reason).join(
            conversation, conversation.c.id == alert.c.conversation_id).order_by(alert.c.id)).all()


def add_event(databases, sender: str, **values) -> None:
    engine = tracker_engine(databases.tracker_writable_url, read_only=False)
    row = dict(sender_id=sender, type_name="action", timestamp=time.time(), intent_name=None, action_name=None,
               data="{}")
    row.update(values)
    with engine.begin() as conn:
        # The copied store holds explicit ids (PostgreSQL's sequence was not moved on): take the next one.
        row["id"] = conn.execute(sa.select(sa.func.max(events_table.c.id))).scalar() + 1
        conn.execute(events_table.insert().values(**row))
    engine.dispose()


def test_each_reason_reaches_email_and_webhook_with_no_parent_words(databases, recorded, smtp, webhook):
    port, inbox = smtp
    settings = with_alerts(databases.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_user=SMTP_USER,
                           smtp_password=SMTP_PASSWORD, webhook_url=webhook.url, webhook_secret=SECRET)
    own, tracker = engines(settings)
    done = run_once(settings, own, tracker)

    expected = {(recorded.senders["red_flag"], "red_flag"), (recorded.senders["handoff"], "handoff"),
                (recorded.senders["misunderstood"], "misunderstood")}
    assert set(alert_rows(own)) == expected
    assert (done.sent, done.failed) == (6, 0)
    with own.connect() as conn:
        names = dict(conn.execute(sa.select(conversation.c.sender_id, conversation.c.pseudonym)).all())

    mails = {msg["Message-ID"]: (authenticated, rcpt, msg) for authenticated, rcpt, msg in inbox.messages}
    assert len(mails) == 3
    parent_words = [text for texts in SCRIPTS.values() for text in texts] + list(recorded.senders.values()) + [
        "lump", "fever", "asdkj", "real person", "7700 900123", "jo.parent"]
    for authenticated, rcpt, msg in mails.values():
        assert authenticated and rcpt == ["oncall@clinic.example"]
        body = msg.get_content() + msg["Subject"]
        pseudonym = next(p for p in names.values() if p in msg["Subject"])
        assert f"https://review.clinic.example/c/{pseudonym}" in body
        assert not [w for w in parent_words if w.lower() in body.lower()]

    assert len(webhook.posts) == 3
    for headers, body in webhook.posts:
        assert headers[SIGNATURE_HEADER] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        sent = json.loads(body)
        assert (next(s for s, p in names.items() if p == sent["conversation"]), sent["reason"]) in expected
        assert sent["url"] == f"https://review.clinic.example/c/{sent['conversation']}"
        assert not [w for w in parent_words if w.lower() in body.decode().lower()]


def test_one_alert_per_reason_until_the_conversation_is_reviewed(databases, recorded):
    settings = with_alerts(databases.settings)  # no destination: alerts are only listed
    own, tracker = engines(settings)
    run_once(settings, own, tracker)
    flagged = recorded.senders["red_flag"]
    before = alert_rows(own)
    # The same red flag again, and a second run: nothing new while nobody has reviewed it.
    add_event(databases, flagged, action_name="action_handle_red_flag")
    run_once(settings, own, tracker)
    run_once(settings, own, tracker)
    assert alert_rows(own) == before
    with own.begin() as conn:
        name = conn.execute(sa.select(conversation.c.pseudonym).where(conversation.c.sender_id == flagged)).scalar()
        assert conversations.mark_reviewed(conn, name, actor="nora")
    add_event(databases, flagged, action_name="action_handle_red_flag")
    run_once(settings, own, tracker)
    assert alert_rows(own) == before + [(flagged, "red_flag")]


def test_a_mail_server_that_is_down_gets_the_alert_when_it_is_back(databases, recorded):
    port = free_port()  # nothing listens here yet
    settings = with_alerts(databases.settings, smtp_host="127.0.0.1", smtp_port=port)
    own, tracker = engines(settings)
    start = time.time() + 2  # the worker's clock, a moment after the alerts are made
    first = run_once(settings, own, tracker, now=start)
    assert (first.sent, first.failed) == (0, 3)
    with own.connect() as conn:
        states = conn.execute(sa.select(alert_delivery.c.status, alert_delivery.c.attempts,
                                        alert_delivery.c.last_error)).all()
    assert {(s, a) for s, a, _ in states} == {("pending", 1)} and all("SMTP" in e for _, _, e in states)

    # Staff see that the on-call has not been told.
    client = logged_in_app(databases)
    queue = client.get("/queue").get_data(as_text=True)
    assert "could not be delivered yet" in queue and "last 24 hours: 0 sent, 3 not" in queue
    assert "retrying" in client.get("/alerts").get_data(as_text=True)

    controller, inbox = start_smtp(port)
    try:
        early = run_once(settings, own, tracker, now=start + 5)  # before the first retry is due
        assert early.sent == 0 and inbox.messages == []
        later = run_once(settings, own, tracker, now=start + alerts.FIRST_RETRY_S + 1)
        assert (later.sent, later.failed) == (3, 0) and len(inbox.messages) == 3
        assert run_once(settings, own, tracker, now=start + 3600).sent == 0  # each alert once
    finally:
        controller.stop()
    queue = client.get("/queue").get_data(as_text=True)
    assert "could not be delivered yet" not in queue and "last 24 hours: 3 sent" in queue


def logged_in_app(databases):
    from review.web import create_app
    app = create_app(databases.settings)
    app.config["TESTING"] = True
    return logged_in(app, "nora", "reviewer")


def test_a_webhook_that_refuses_is_retried(databases, recorded, webhook):
    settings = with_alerts(databases.settings, webhook_url=webhook.url, webhook_secret=SECRET)
    own, tracker = engines(settings)
    webhook.refuse = 3
    start = time.time() + 2
    assert run_once(settings, own, tracker, now=start).failed == 3
    assert run_once(settings, own, tracker, now=start + alerts.FIRST_RETRY_S + 1).sent == 3
    assert len(webhook.posts) == 3


def test_a_new_worker_process_delivers_what_an_earlier_one_recorded(databases, recorded, smtp):
    port, inbox = smtp
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_TRACKER_URL": databases.settings.tracker_url,
           "REVIEW_DATABASE_URL": databases.settings.database_url,
           "REVIEW_SECRET_FILE": str(databases.settings.secret_file)}
    command = [sys.executable, "-m", "review", "alerts", "--once"]
    # The first worker has no destination set up: it only records the alerts, then exits.
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert inbox.messages == []
    # A new process, now with a mail server: it finds the alerts in the table and sends each once.
    mail = {"ALERT_SMTP_HOST": "127.0.0.1", "ALERT_SMTP_PORT": str(port), "ALERT_SMTP_STARTTLS": "0",
            "ALERT_EMAIL_FROM": "coach@clinic.example", "ALERT_EMAIL_TO": "oncall@clinic.example, lead@clinic.example"}
    second = subprocess.run(command, cwd=ROOT, env={**env, **mail}, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "3 sent, 0 failed" in second.stdout
    assert len(inbox.messages) == 3
    assert all(rcpt == ["oncall@clinic.example", "lead@clinic.example"] for _, rcpt, _ in inbox.messages)


def test_two_workers_never_claim_the_same_delivery(databases, recorded):
    settings = with_alerts(databases.settings, webhook_url="http://127.0.0.1:9/", webhook_secret=SECRET)
    own, tracker = engines(settings)
    run_once(settings, own, tracker, senders={"webhook": lambda due, s: None})  # sends all: nothing left
    add_event(databases, recorded.senders["contact"], action_name="action_handoff")
    run_once(settings, own, tracker, now=0)  # indexes and opens the new delivery; now=0: nothing is due yet
    now = time.time()
    with own.begin() as conn:
        mine = alerts.claim_due(conn, now)
    with own.begin() as conn:
        theirs = alerts.claim_due(conn, now)
    assert len(mine) == 1 and theirs == []
    # A worker that died holding the claim: once the claim runs out, another takes it.
    with own.begin() as conn:
        assert len(alerts.claim_due(conn, now + alerts.CLAIM_S + 1)) == 1


def test_quiet_hours_hold_requests_for_a_person_but_never_red_flags():
    zone = "Europe/London"
    quiet = AlertSettings(quiet_hours=(22 * 60, 7 * 60))

    def at(day: int, hour: int, minute: int = 0) -> float:
        return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp()

    seven_next_day = at(29, 7)
    assert alerts.first_attempt_at("handoff", at(28, 23, 30), quiet, zone) == seven_next_day
    assert alerts.first_attempt_at("misunderstood", at(29, 3), quiet, zone) == seven_next_day
    assert alerts.first_attempt_at("handoff", at(28, 12), quiet, zone) == at(28, 12)
    assert alerts.first_attempt_at("red_flag", at(28, 23, 30), quiet, zone) == at(28, 23, 30)
    assert alerts.first_attempt_at("handoff", at(28, 23, 30), AlertSettings(), zone) == at(28, 23, 30)


@pytest.mark.parametrize("env, complaint", [
    ({"ALERT_SMTP_HOST": "mail.example"}, "ALERT_EMAIL_FROM and ALERT_EMAIL_TO"),
    ({"ALERT_EMAIL_TO": "a@example.org"}, "ALERT_SMTP_HOST is not"),
    ({"ALERT_WEBHOOK_URL": "https://relay.example/x", "ALERT_WEBHOOK_SECRET": "short"}, "ALERT_WEBHOOK_SECRET"),
    ({"ALERT_WEBHOOK_URL": "ftp://relay.example/x", "ALERT_WEBHOOK_SECRET": SECRET}, "http(s)"),
    ({"ALERT_QUIET_HOURS": "late"}, "ALERT_QUIET_HOURS"),
])
def test_half_an_alert_configuration_refuses_to_start(env, complaint):
    with pytest.raises(SystemExit, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)
