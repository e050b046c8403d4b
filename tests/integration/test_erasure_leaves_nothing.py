"""After a parent erases the conversation, no row of either database holds their id or anything they
wrote: two Rasa servers on one store (the conversation went through both), the review app's index,
alert, note and check-in, and a restart after the erase. (PostgreSQL with two servers: the same check
in eval/scale_out_check.py, which `make test` runs through scripts/scale-out.)"""
from __future__ import annotations

import time

import sqlalchemy as sa

from harness.conversation import Conversation
from harness.scan import rows_holding
from harness.server import running_server
from review.alert_worker import run_once
from review.db import migrate, own_engine, tracker_engine
from review.schema import alert, audit_log, conversation, note
from review.settings import Settings

LOCAL = {"local_time": "2026-11-28T14:30"}
# What the parent writes: each distinctive enough that finding it anywhere means it was kept.
SAID = ("my pump hardly gives anything since tuesday", "Fits fine", "I'm fine with it",
        "pumped 65 ml at 7am", "my left breast has a hot red wedge and I have chills")


def test_an_erased_parent_is_in_no_row_of_either_database(tmp_path):
    db_path = tmp_path / "a" / "rasa.db"
    settings = Settings.from_env({}, tracker_url=f"sqlite:///{db_path}", database_url=f"sqlite:///{tmp_path / 'review.db'}",
                                 secret_file=tmp_path / "review-secret.key")
    own = own_engine(settings.database_url)
    migrate(own)
    with running_server(tmp_path / "a", {"CHECKIN_POLL_S": "0.5"}, workers=1) as first, \
            running_server(tmp_path / "b", {"CHECKIN_POLL_S": "0.5"}, workers=1, db_path=db_path) as second:
        on_first, on_second = Conversation(first), Conversation(second)
        on_second.sender = on_first.sender  # one parent, whichever server the load balancer picks
        parent = on_first.sender
        for i, text in enumerate(SAID[:3]):
            (on_first if i % 2 == 0 else on_second).say(text, metadata=LOCAL)
        for _ in range(8):
            if "Shall I check in with you" in on_first.text + on_second.text:
                break
            on_first.say("not sure", metadata=LOCAL)
        on_second.say("In 3 days", metadata=LOCAL)
        on_first.say(SAID[3], metadata=LOCAL)
        on_second.say(SAID[4], metadata=LOCAL)
        bystander = Conversation(second)
        bystander.say("how long can pumped milk stay in the fridge?")
        tracker = tracker_engine(settings.tracker_url)
        booked = f"checkin.sender_id: {parent}"
        deadline = time.monotonic() + 30  # the check-in loop copies the booking within a round or two
        while time.monotonic() < deadline and booked not in rows_holding(tracker, [parent]):
            time.sleep(0.5)
        run_once(settings, own, tracker)  # indexed, the red flag's alert opened
        with own.begin() as conn:
            cid = conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id == parent)).scalar_one()
            conn.execute(note.insert().values(conversation_id=cid, author="rita", created_at=time.time(),
                                              body="called her back about the wedge"))
            assert conn.execute(sa.select(sa.func.count()).select_from(alert).where(alert.c.conversation_id == cid)
                                ).scalar() >= 1
        everything = [parent, *SAID, "called her back about the wedge"]
        assert booked in rows_holding(tracker, everything)  # there is something to erase

        on_first.say("delete my conversation")
        erased = on_second.say("Yes, delete everything")
        assert "this conversation is deleted" in on_second.text, erased
    # A restart of both after the erase: nothing the servers kept in memory comes back.
    with running_server(tmp_path / "a", {"CHECKIN_POLL_S": "0.5"}, workers=1) as again:
        Conversation(again).say("hi")
        time.sleep(2)  # check-in rounds
        run_once(settings, own, tracker)  # the review app deletes its copy and the request
        assert rows_holding(tracker, everything) == []
        assert rows_holding(own, everything) == []
        with own.connect() as conn:
            erase_lines = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "erase")).all()
        assert len(erase_lines) == 1
        assert rows_holding(tracker, [bystander.sender]) != []  # the other parent's conversation is kept
