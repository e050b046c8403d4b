"""The Outcomes page, the outcome filter and the outcome in the export, on the recorded conversations
(real Rasa server) and on index rows written for the weekly figures."""
import calendar
import csv
import io
import json
import re

import sqlalchemy as sa

from review import outcomes
from review.db import own_engine
from review.schema import conversation
from tests.fixtures.review import logged_in
from tests.review.test_review_flow import p, text


def test_a_parent_saying_it_did_not_help_is_counted_under_its_cause(app, recorded):
    client = logged_in(app, "otto", "reviewer")
    target = p(app, recorded, "outcome")
    row = text(client.get("/conversations?outcome=same"))
    assert target in row and p(app, recorded, "troubleshooting") not in row
    assert "Unknown outcome" in text(client.get("/conversations?outcome=maybe"))
    page = text(client.get("/outcomes"))
    with own_engine(app.extensions["review"]["settings"].database_url).connect() as conn:
        cause = conn.execute(sa.select(conversation.c.suspected_cause).where(conversation.c.pseudonym == target)).scalar()
    assert cause
    cells = re.search(rf'<th scope="row">{cause}</th>((?:<td>\d+</td>\s*)+)', page).group(1)
    conversations_, checked_in, better, same, worse, no_reply = map(int, re.findall(r"<td>(\d+)</td>", cells))
    assert same >= 1 and conversations_ >= same + better + worse + no_reply
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 4
    for src in images:
        resp = client.get(src)
        assert resp.status_code == 200 and resp.mimetype == "image/png" and resp.data.startswith(b"\x89PNG")
    assert client.get("/outcomes/nothing.png").status_code == 404
    data = client.get("/outcomes.csv")
    assert data.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(data.get_data(as_text=True))))
    assert table[0] == ["suspected_cause", "conversations", "checked_in", "better", "same", "worse", "no_reply"]
    assert int(next(r for r in table if r and r[0] == cause)[4]) == same


def test_the_export_carries_the_outcome(app, recorded):
    client = logged_in(app, "olga", "reviewer")
    target = p(app, recorded, "outcome")
    resp = client.post("/export", data={"c": [target], "format": "csv", "csrf_token": client.csrf})
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert rows and {r["outcome"] for r in rows} == {"same"}


def test_weekly_figures_count_each_conversation_in_the_week_it_started(app):
    engine = own_engine(app.extensions["review"]["settings"].database_url)
    now = calendar.timegm((2026, 11, 26, 12, 0, 0))  # a Thursday, UTC
    day = 24 * 3600
    rows = [(now - 1 * day, None, 10, 1), (now - 2 * day, "fever", 4, 0), (now - 8 * day, None, 5, 5),
            (now - 200 * day, "fever", 3, 0)]  # the last is older than the weeks shown
    with engine.begin() as conn:
        for k, (first_at, flag, messages, missed) in enumerate(rows):
            conn.execute(conversation.insert().values(sender_id=f"w{k}", pseudonym=f"W{k}", first_at=first_at, last_at=first_at,
                                                      user_messages=messages, misunderstandings=missed, red_flag=flag,
                                                      topics=",", attention_reasons=","))
        weeks = outcomes.by_week(conn, now)
    assert len(weeks) == outcomes.WEEKS and weeks[-1].week.isoformat() == "2026-11-23"
    this, last = weeks[-1], weeks[-2]
    assert (this.conversations, this.red_flags, this.user_messages, this.misunderstood) == (2, 1, 14, 1)
    assert (last.conversations, last.misunderstood_share) == (1, 1.0)
    assert sum(w.conversations for w in weeks) == 3 and weeks[0].misunderstood_share is None


def test_a_checkin_question_in_the_events_counts_the_conversation_as_checked_in(app, recorded, databases):
    from tests.review.test_alerts import add_event

    client = logged_in(app, "oona", "reviewer")
    target = p(app, recorded, "outcome")
    page = text(client.get("/outcomes"))
    with own_engine(app.extensions["review"]["settings"].database_url).connect() as conn:
        cause = conn.execute(sa.select(conversation.c.suspected_cause).where(conversation.c.pseudonym == target)).scalar()

    def checked_in(html):
        cells = re.search(rf'<th scope="row">{cause}</th>((?:<td>\d+</td>\s*)+)', html).group(1)
        return int(re.findall(r"<td>(\d+)</td>", cells)[1])

    before = checked_in(page)
    # What the scheduler records (channels/checkins.py): the question as a bot message marked with its row.
    add_event(databases, recorded.senders["outcome"], type_name="bot",
              data=json.dumps({"event": "bot", "text": "Hi, it's the pumping coach checking in as promised.",
                               "metadata": {"checkin": 1}}))
    assert checked_in(text(client.get("/outcomes"))) == before + 1
