"""A reviewer's work over conversations held with the real assistant, on SQLite and on PostgreSQL."""
import csv
import dataclasses
import io
import json
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from coach.clinic import clinic
from review.db import own_engine, tracker_engine
from review.privacy import pseudonym
from review.schema import audit_log, events
from review.web import create_app
from tests.fixtures.review import TELEGRAM_CHAT_ID, TELEGRAM_TEXT, logged_in


def p(app, recorded, role):
    return pseudonym(app.extensions["review"]["secret"], recorded.senders[role])


def text(resp):
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def audit_actions(app, action):
    with own_engine(app.extensions["review"]["settings"].database_url).connect() as conn:
        return conn.execute(sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)).all()


def queue_order(html):
    return re.findall(r'href="/c/(C-[A-Z2-7]+)"', html)


def test_queue_holds_red_flag_handoff_and_misunderstood_conversations_oldest_first(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    html = text(client.get("/queue"))
    order = queue_order(html)
    expected = [p(app, recorded, r) for r in ("red_flag", "handoff", "misunderstood")]
    assert order == expected  # the scripts ran in this order, so this is oldest first
    for calm in ("contact", "troubleshooting", "telegram"):
        assert p(app, recorded, calm) not in order
    assert "red flag" in html and "asked for a person" in html and "misunderstood" in html
    assert re.search(r"\d+ min", html)  # how long each has waited


def test_marking_reviewed_takes_it_out_of_the_queue(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    red = p(app, recorded, "red_flag")
    client.get("/queue")
    resp = client.post(f"/c/{red}/reviewed", data={"csrf_token": client.csrf})
    assert resp.status_code == 302
    assert red not in queue_order(text(client.get("/queue")))
    assert "by rita" in text(client.get("/conversations?reviewed=yes"))
    assert audit_actions(app, "reviewed")[-1].target == red


def test_reviewed_is_refused_when_new_messages_arrived_after_the_page_was_read(app, recorded, databases):
    client = logged_in(app, "rita", "reviewer")
    client.get("/queue")
    target = p(app, recorded, "handoff")
    page = text(client.get(f"/c/{target}"))
    seen = re.search(r'name="seen_last_at" value="([^"]+)"', page).group(1)
    _add_event(databases, recorded.senders["handoff"], "my breast is red and hot and I have a fever", "report_red_flag")
    stale = client.post(f"/c/{target}/reviewed", data={"csrf_token": client.csrf, "seen_last_at": seen},
                        follow_redirects=True)
    assert "New messages arrived" in text(stale) and "red and hot" in text(stale)
    assert target in queue_order(text(client.get("/queue")))
    fresh = re.search(r'name="seen_last_at" value="([^"]+)"', text(client.get(f"/c/{target}"))).group(1)
    client.post(f"/c/{target}/reviewed", data={"csrf_token": client.csrf, "seen_last_at": fresh})
    assert target not in queue_order(text(client.get("/queue")))


def test_nul_and_lone_surrogates_in_messages_do_not_break_any_page(app, recorded, databases):
    client = logged_in(app, "rita", "reviewer")
    _add_event(databases, "odd-text", "hello \ud800 and \x00 nul, fever and red breast", "report_red_flag")
    queue = text(client.get("/queue"))
    odd = pseudonym(app.extensions["review"]["secret"], "odd-text")
    assert odd in queue_order(queue)
    assert "nul, fever" in text(client.get(f"/c/{odd}"))
    assert "odd-text" not in text(client.get("/conversations?q=nul"))
    # A NUL in a name typed at log-in is removed, and the failure is still recorded.
    fresh = app.test_client()
    from tests.fixtures.review import login
    assert login(fresh, "ri\x00ta", "wrong password here").status_code == 401
    assert audit_actions(app, "login_failed")[-1].target == "rita"


def _add_event(databases, sender, message, intent):
    writable = tracker_engine(databases.tracker_writable_url, read_only=False)
    with writable.begin() as conn:
        top = conn.execute(sa.select(sa.func.max(events.c.id))).scalar_one()
        conn.execute(events.insert().values(
            id=top + 1, sender_id=sender, type_name="user", timestamp=2_000_000_000.0 + top, intent_name=intent,
            data=json.dumps({"event": "user", "text": message, "input_channel": "webchat",
                             "parse_data": {"intent": {"name": intent, "confidence": 0.98}}})))
    writable.dispose()


def test_list_filters_search_sort_and_page(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    everything = text(client.get("/conversations"))
    assert f"<strong>{len(recorded.senders)}</strong> conversations" in everything
    only = lambda query: set(queue_order(text(client.get(f"/conversations?{query}"))))  # noqa: E731
    assert only("red_flag=yes") == {p(app, recorded, "red_flag")}
    assert only("handoff=yes") == {p(app, recorded, "handoff")}
    assert only("channel=telegram") == {p(app, recorded, "telegram")}
    assert only("topic=ask_milk_storage") == {p(app, recorded, "contact")}
    assert only("q=THAWED+milk") == {p(app, recorded, "contact")}
    assert only("q=7700") == set()  # phone numbers are masked in the search text too
    assert only("reviewed=no") == {p(app, recorded, r) for r in recorded.senders}
    assert only("from=2000-01-01&to=2000-01-02") == set()
    bad = text(client.get("/conversations?from=yesterday&page=abc&sort=nonsense"))
    assert "is not a date" in bad and f"<strong>{len(recorded.senders)}</strong>" in bad
    by_misses = queue_order(text(client.get("/conversations?sort=misunderstood&order=desc")))
    assert by_misses[0] == p(app, recorded, "misunderstood")
    assert queue_order(text(client.get("/conversations?sort=misunderstood&order=asc")))[-1] == by_misses[0]
    small_pages = create_app(dataclasses.replace(app.extensions["review"]["settings"], page_size=4))
    paging = logged_in(small_pages, "paula", "reviewer")
    first, second = (queue_order(text(paging.get(f"/conversations?page={n}"))) for n in (1, 2))
    assert len(first) == 4 and len(second) == len(recorded.senders) - 4 and not set(first) & set(second)


def test_transcript_shows_intents_quick_replies_answers_and_masks_contacts(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    client.get("/queue")
    contact = text(client.get(f"/c/{p(app, recorded, 'contact')}"))
    assert "[phone]" in contact and "[email]" in contact
    assert "7700" not in contact and "jo.parent" not in contact
    assert recorded.senders["contact"] not in contact
    assert "intent <code>ask_milk_storage</code> · confidence" in contact
    trouble = text(client.get(f"/c/{p(app, recorded, 'troubleshooting')}"))
    assert "quick reply" in trouble  # "Fits fine" was one of the offered buttons
    assert "flange_fit" in trouble and "pumping_feelings" in trouble
    red = text(client.get(f"/c/{p(app, recorded, 'red_flag')}"))
    assert 'class="msg user red-flag' in red and "badge red_flag" in red
    assert clinic().phone in red  # the assistant's own words are not masked: staff check the number it gave
    tg = text(client.get(f"/c/{p(app, recorded, 'telegram')}"))
    assert str(TELEGRAM_CHAT_ID) not in tg and TELEGRAM_TEXT in tg
    assert [r.target for r in audit_actions(app, "view")] == [p(app, recorded, r) for r in
                                                              ("contact", "troubleshooting", "red_flag", "telegram")]
    assert client.get("/c/C-NOSUCHONE").status_code == 404


def test_notes_on_a_message_and_on_the_conversation_and_tags(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    client.get("/queue")
    target = p(app, recorded, "misunderstood")
    html = text(client.get(f"/c/{target}"))
    event_id = re.findall(r'name="event_id" value="(\d+)"', html)[0]
    client.post(f"/c/{target}/notes", data={"csrf_token": client.csrf, "event_id": event_id,
                                            "body": "misunderstood: should be let-down"})
    client.post(f"/c/{target}/notes", data={"csrf_token": client.csrf, "body": "call back <b>tomorrow</b>"})
    client.post(f"/c/{target}/tags", data={"csrf_token": client.csrf, "name": "NLU  gap"})
    empty = client.post(f"/c/{target}/notes", data={"csrf_token": client.csrf, "body": "   "})
    assert empty.status_code == 400 and "The note is empty." in empty.get_data(as_text=True)
    other = re.findall(r'name="event_id" value="(\d+)"', text(client.get(f"/c/{p(app, recorded, 'handoff')}")))[0]
    foreign = client.post(f"/c/{target}/notes", data={"csrf_token": client.csrf, "event_id": other, "body": "x"})
    assert foreign.status_code == 400 and "not part of this conversation" in foreign.get_data(as_text=True)
    assert client.get(f"/c/{target}?msg=Call+IT+on+0800+123").get_data(as_text=True).count("0800") == 0
    html = text(client.get(f"/c/{target}"))
    start = html.index(f'id="m{event_id}"')
    message_block = html[start:html.index('<li class="msg', start)]
    assert "misunderstood: should be let-down" in message_block and "tomorrow" not in message_block
    assert "call back &lt;b&gt;tomorrow&lt;/b&gt;" in html  # escaped, never markup
    assert '<span class="badge">nlu gap</span>' in html
    client.post(f"/c/{target}/tags", data={"csrf_token": client.csrf, "remove": "nlu gap"})
    assert "nlu gap" not in text(client.get(f"/c/{target}"))
    assert [r.action for r in audit_actions(app, "note")] == ["note", "note"]


def test_export_csv_and_json_are_masked_pseudonymous_and_audited(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    client.get("/queue")
    chosen = [p(app, recorded, "contact"), p(app, recorded, "telegram")]
    resp = client.post("/export", data={"csrf_token": client.csrf, "c": chosen, "format": "csv"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert {r["conversation"] for r in rows} == set(chosen)
    parent = [r for r in rows if r["speaker"] == "parent"]
    assert any(r["intent"] == "ask_milk_storage" and float(r["confidence"]) > 0 for r in parent)
    dump = resp.get_data(as_text=True)
    assert "[phone]" in dump and "7700" not in dump and str(TELEGRAM_CHAT_ID) not in dump
    assert recorded.senders["contact"] not in dump
    as_json = client.post("/export", data={"csrf_token": client.csrf, "c": chosen[:1], "format": "json"}).get_json()
    assert {m["conversation"] for m in as_json["messages"]} == {chosen[0]}
    assert client.post("/export", data={"csrf_token": client.csrf, "format": "csv"}).status_code == 400
    assert client.post("/export", data={"csrf_token": client.csrf, "c": ["C-NOSUCHONE"], "format": "csv"}).status_code == 404
    exports = audit_actions(app, "export")
    assert len(exports) == 2 and exports[0].target == "2 conversations"
    assert exports[0].detail.startswith("csv, ") and all(c in exports[0].detail for c in chosen)


def test_admin_reveal_shows_raw_data_once_and_is_audited(app, recorded):
    admin = logged_in(app, "ada", "admin")
    admin.get("/queue")
    target = p(app, recorded, "telegram")
    refused = admin.post(f"/c/{target}/reveal", data={"csrf_token": admin.csrf, "reason": ""}, follow_redirects=True)
    assert "Say why" in text(refused) and audit_actions(app, "reveal") == []
    shown = text(admin.post(f"/c/{target}/reveal", data={"csrf_token": admin.csrf, "reason": "calling the parent back"}))
    assert str(TELEGRAM_CHAT_ID) in shown
    contact = text(admin.post(f"/c/{p(app, recorded, 'contact')}/reveal",
                              data={"csrf_token": admin.csrf, "reason": "checking the number given"}))
    assert "+44 7700 900123" in contact
    assert str(TELEGRAM_CHAT_ID) not in text(admin.get(f"/c/{target}"))  # masked again afterwards
    reveals = audit_actions(app, "reveal")
    assert [(r.actor, r.target, r.detail) for r in reveals][0] == ("ada", target, "calling the parent back")
    audit_page = text(admin.get("/admin/audit?action=reveal"))
    assert "calling the parent back" in audit_page


def test_audit_rows_cannot_be_changed_or_deleted(app, databases):
    logged_in(app, "ada", "admin")
    engine = own_engine(app.extensions["review"]["settings"].database_url)
    statements = [audit_log.update().values(actor="someone else"), audit_log.delete()]
    if databases.backend == "postgresql":
        statements.append(sa.text("TRUNCATE audit_log"))
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(statement)
    assert len(audit_actions(app, "login")) == 1


def test_the_web_app_cannot_write_to_the_assistants_events(app, databases):
    with pytest.raises(DBAPIError):
        with tracker_engine(databases.settings.tracker_url).begin() as conn:
            conn.execute(events.delete())


def test_new_messages_appear_without_a_restart(app, recorded, databases):
    client = logged_in(app, "rita", "reviewer")
    assert f"<strong>{len(recorded.senders)}</strong>" in text(client.get("/conversations"))
    _add_event(databases, "late-arrival", "baby has had no wet nappies today", "report_red_flag")
    late = pseudonym(app.extensions["review"]["secret"], "late-arrival")
    assert late in queue_order(text(client.get("/queue")))
    assert f"<strong>{len(recorded.senders) + 1}</strong>" in text(client.get("/conversations"))
