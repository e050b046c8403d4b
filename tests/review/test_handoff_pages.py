"""Staff take a conversation over from the review app, reply, and hand back, against the real Rasa server."""
from __future__ import annotations

import dataclasses
import time

import pytest
import sqlalchemy as sa

from channels.staff import LEFT_IDLE
from harness.platforms import CHANNEL_ENV
from review import handoff
from review.alert_worker import run_once
from review.db import own_engine, tracker_engine
from review.events import EventRow, transcript
from review.schema import audit_log, hold
from tests.fixtures.review import form_token, logged_in


def history(server, sender):
    return server.get_json(f"/history/{sender}")[1]["messages"]


@pytest.fixture
def staff_app(databases, server):
    from review.web import create_app
    settings = dataclasses.replace(databases.settings, rasa_url=server.base_url,
                                   staff_api_secret=CHANNEL_ENV["STAFF_API_SECRET"])
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    # Leave the shared server's conversation as the other tests expect it: answered by the assistant.
    with own_engine(settings.database_url).connect() as conn:
        held = conn.execute(sa.text("SELECT c.sender_id FROM hold h JOIN conversation c ON c.id = h.conversation_id "
                                    "WHERE h.released_at IS NULL")).scalars().all()
    for sender in held:
        handoff.call(settings, "release", sender)


def post(client, path, **form):
    return client.post(path, data={"csrf_token": client.csrf, **form})


def test_take_over_reply_and_hand_back(staff_app, recorded, server):
    sender = recorded.senders["handoff"]
    nora = logged_in(staff_app, "nora", "reviewer")
    with own_engine(staff_app.extensions["review"]["settings"].database_url).connect() as conn:
        pseudonym = conn.execute(sa.text("SELECT pseudonym FROM conversation WHERE sender_id = :s"),
                                 {"s": sender}).scalar()
    page = f"/c/{pseudonym}"
    assert "Take over" in nora.get(page).get_data(as_text=True)

    assert post(nora, f"{page}/takeover", name="Nora").status_code == 302
    assert handoff.call(staff_app.extensions["review"]["settings"], "state", sender)[1]["paused"] is True
    assert "Held by a person now" in nora.get("/queue").get_data(as_text=True)
    assert post(nora, f"{page}/reply", text="Hello, Nora from the clinic here.").status_code == 302
    assert history(server, sender)[-1] == {"from": "staff", "name": "Nora", "text": "Hello, Nora from the clinic here."}
    assert "Held by nora (shown as “Nora”)" in nora.get(page).get_data(as_text=True)

    # Someone else may read but not write; an admin may hand it back.
    rita = logged_in(staff_app, "rita", "reviewer")
    refused = post(rita, f"{page}/reply", text="me too")
    assert refused.status_code == 400 and "nora holds this conversation" in refused.get_data(as_text=True)
    assert post(rita, f"{page}/release").status_code == 400
    ada = logged_in(staff_app, "ada", "admin")
    assert post(ada, f"{page}/release").status_code == 302
    assert handoff.call(staff_app.extensions["review"]["settings"], "state", sender)[1]["paused"] is False

    with own_engine(staff_app.extensions["review"]["settings"].database_url).connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(audit_log.c.action, audit_log.c.actor)
                                                  .where(audit_log.c.target == pseudonym)
                                                  .order_by(audit_log.c.id))]
    assert [a for a in actions if a in ("takeover", "staff_reply", "release")] == ["takeover", "staff_reply", "release"]


def test_a_form_without_its_csrf_token_takes_nothing_over(staff_app, recorded):
    nora = logged_in(staff_app, "nora", "reviewer")
    with own_engine(staff_app.extensions["review"]["settings"].database_url).connect() as conn:
        pseudonym = conn.execute(sa.text("SELECT pseudonym FROM conversation WHERE sender_id = :s"),
                                 {"s": recorded.senders["handoff"]}).scalar()
    assert nora.post(f"/c/{pseudonym}/takeover", data={"name": "x"}).status_code in (400, 403)
    with own_engine(staff_app.extensions["review"]["settings"].database_url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(hold)).scalar() == 0


def test_an_idle_hold_goes_back_to_the_assistant_and_the_parent_is_told(staff_app, recorded, server):
    settings = staff_app.extensions["review"]["settings"]
    sender = recorded.senders["handoff"]
    nora = logged_in(staff_app, "nora", "reviewer")
    with own_engine(settings.database_url).connect() as conn:
        pseudonym = conn.execute(sa.text("SELECT pseudonym FROM conversation WHERE sender_id = :s"),
                                 {"s": sender}).scalar()
    assert post(nora, f"/c/{pseudonym}/takeover", name="Nora").status_code == 302
    own, tracker = own_engine(settings.database_url), tracker_engine(settings.tracker_url)
    assert run_once(settings, own, tracker).released == 0  # not idle yet
    later = time.time() + (settings.hold_idle_minutes + 1) * 60
    assert run_once(settings, own, tracker, now=later).released == 1
    assert handoff.call(settings, "state", sender)[1]["paused"] is False
    assert history(server, sender)[-1]["text"] == LEFT_IDLE.format(name="Nora")
    with own.connect() as conn:
        assert conn.execute(sa.select(hold.c.released_by)).scalar() == "idle"


def test_without_the_shared_secret_the_page_says_takeover_is_not_set_up(app, recorded):
    nora = logged_in(app, "nora", "reviewer")
    with own_engine(app.extensions["review"]["settings"].database_url).connect() as conn:
        pseudonym = conn.execute(sa.text("SELECT pseudonym FROM conversation WHERE sender_id = :s"),
                                 {"s": recorded.senders["handoff"]}).scalar()
    page = nora.get(f"/c/{pseudonym}").get_data(as_text=True)
    assert "Taking over conversations is not set up" in page
    assert form_token(page)


def test_a_transcript_shows_who_from_the_clinic_wrote():
    staff = EventRow(7, "s", "bot", 1.0, None, None, '{"event": "bot", "text": "Hi, Nora here", '
                     '"metadata": {"staff": "Nora", "staff_account": "nora.k", "staff_event": "reply"}}')
    bot = EventRow(8, "s", "bot", 2.0, None, None, '{"event": "bot", "text": "I am the coach"}')
    assert [(i.text, i.staff, i.staff_account) for i in transcript([staff, bot])] == [
        ("Hi, Nora here", "Nora", "nora.k"), ("I am the coach", None, None)]
