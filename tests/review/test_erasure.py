"""A parent's data rights on the staff side: an admin finds a parent by channel and id, exports what is
held, and erases it from both databases, each step audited without content (real review app, the
recorded conversations of the real assistant, SQLite and PostgreSQL)."""
from __future__ import annotations

import html
import json

import sqlalchemy as sa

from review import conversations, erasure
from review.alert_worker import run_once
from review.db import own_engine, tracker_engine
from review.schema import alert, audit_log, conversation, events, note
from tests.fixtures.review import TELEGRAM_CHAT_ID, TELEGRAM_TEXT, logged_in


def test_ids_are_read_as_each_channel_spells_them():
    assert erasure.sender_ids("whatsapp", "+1 (555) 012-3456") == ["15550123456", "whatsapp:+15550123456"]
    assert erasure.sender_ids("whatsapp", "whatsapp:+15550123456") == ["15550123456", "whatsapp:+15550123456"]
    assert erasure.sender_ids("whatsapp", "12345") == []  # not a full number
    assert erasure.sender_ids("telegram", " 5550123987 ") == ["5550123987"]
    assert erasure.sender_ids("telegram", "robert'); drop table") == []
    assert erasure.sender_ids("webchat", "3f2a-uuid") == ["3f2a-uuid"]
    assert erasure.sender_ids("fax", "123") == [] and erasure.sender_ids("webchat", "x" * 300) == []


def counts(databases, sender: str) -> "tuple[int, int, int]":
    settings = databases.settings
    with tracker_engine(settings.tracker_url).connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(events).where(events.c.sender_id == sender)).scalar()
        others = conn.execute(sa.select(sa.func.count()).select_from(events).where(events.c.sender_id != sender)).scalar()
    with own_engine(settings.database_url).connect() as conn:
        indexed = conn.execute(sa.select(sa.func.count()).select_from(conversation)
                               .where(conversation.c.sender_id == sender)).scalar()
    return stored, others, indexed


def test_an_admin_finds_exports_and_erases_a_parent(app, databases, recorded):
    settings = databases.settings
    own, tracker = own_engine(settings.database_url), tracker_engine(settings.tracker_url)
    run_once(settings, own, tracker)  # index everything, raise the alerts
    red_flag = recorded.senders["red_flag"]
    secret = app.extensions["review"]["secret"]
    pseudonym = erasure.holdings(tracker, own, red_flag, secret).pseudonym
    with own.begin() as conn:
        conversations.add_note(conn, tracker, pseudonym, "Called her back, she is seeing her GP today.", "nora")
    telegram = str(TELEGRAM_CHAT_ID)
    before_red, others_before, _ = counts(databases, red_flag)
    assert before_red > 0

    admin = logged_in(app, "ada", "admin")
    # Found by the Telegram chat id the parent knows.
    found = html.unescape(admin.post("/admin/parent", data={"csrf_token": admin.csrf, "action": "find",
                                                            "channel": "telegram", "id": telegram}).get_data(as_text=True))
    telegram_pseudonym = erasure.holdings(tracker, own, telegram, secret).pseudonym
    assert f"Conversation {telegram_pseudonym}" in found
    exported = admin.post("/admin/parent", data={"csrf_token": admin.csrf, "action": "export", "channel": "telegram",
                                                 "id": telegram, "sender_id": telegram})
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = json.loads(exported.get_data(as_text=True))
    assert data["sender_id"] == telegram
    assert any((e["data"] or {}).get("text") == TELEGRAM_TEXT for e in data["events"])

    # The red-flag parent, on the web chat: the note and the alert go with the conversation.
    form = {"csrf_token": admin.csrf, "channel": "webchat", "id": red_flag, "sender_id": red_flag, "action": "erase"}
    refused = admin.post("/admin/parent", data=form)  # not confirmed
    assert refused.status_code == 400 and counts(databases, red_flag)[0] == before_red
    erased = html.unescape(admin.post("/admin/parent", data={**form, "confirm": "yes"}).get_data(as_text=True))
    assert f"Erased conversation {pseudonym}" in erased
    stored, others_after, indexed = counts(databases, red_flag)
    assert (stored, indexed) == (0, 0) and others_after == others_before  # no one else's events touched
    with own.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(note)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(alert).join(
            conversation, conversation.c.id == alert.c.conversation_id)
            .where(conversation.c.sender_id == red_flag)).scalar() == 0
        audit = conn.execute(sa.select(audit_log.c.action, audit_log.c.target, audit_log.c.detail)
                             .where(audit_log.c.action.in_(("parent_lookup", "parent_export", "erase")))
                             .order_by(audit_log.c.id)).all()
    assert [a.action for a in audit] == ["parent_lookup", "parent_export", "erase"]
    assert audit[-1].target == pseudonym and f"{before_red} events" in audit[-1].detail
    assert not any(red_flag in (a.target + a.detail) or "GP" in a.detail for a in audit)  # no id, no content
    # Gone: a second look finds nothing, and the transcript page says so.
    again = admin.post("/admin/parent", data={"csrf_token": admin.csrf, "action": "find", "channel": "webchat",
                                              "id": red_flag})
    assert "Nothing is stored" in again.get_data(as_text=True)
    assert admin.get(f"/c/{pseudonym}").status_code == 404


def test_only_admins_reach_a_parents_data(app):
    reviewer = logged_in(app, "nora", "reviewer")
    assert reviewer.get("/admin/parent").status_code == 403
    assert reviewer.post("/admin/parent", data={"csrf_token": reviewer.csrf, "action": "find", "channel": "telegram",
                                                "id": "5550123987"}).status_code == 403
