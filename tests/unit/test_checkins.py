"""Check-ins: the plain rules (coach/checkins.py) and the table every Rasa server shares
(channels/checkins.py), on a real SQLite database and, under `make test`, a real PostgreSQL one."""
from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
import sqlalchemy as sa

from channels.checkins import CheckInStore, checkin
from coach import checkins as c
from review.schema import events as events_table
from review.schema import tracker_metadata
from tests.fixtures.databases import clean_database_url

NOW = 1_800_000_000.0  # any fixed epoch: the functions take the time as an argument


@pytest.mark.parametrize("text, outcome", [
    ("Better", "better"), ("About the same", "same"), ("Worse", "worse"),
    ("much better thanks", "better"), ("a bit better i think", "better"), ("yes it helped a lot", "better"),
    ("that worked, more milk now", "better"),
    ("not really better", "same"), ("no better, no worse", "same"), ("no change", "same"),
    ("it didnt help", "same"), ("nothing has changed", "same"), ("still the same", "same"), ("not worse", "same"),
    ("its getting worse", "worse"), ("even less than before", "worse"), ("it’s gotten worse", "worse"),
    # negation a few words ahead of the word it turns round
    ("it didn't get better", "same"), ("I'm not sure it's better", "same"), ("none of it helped", "same"),
    ("no more milk than before", "same"), ("it hasn't gotten worse", "same"), ("it didnt really help", "same"),
    # questions, two answers at once, and unrelated text are not outcomes
    ("is it better to pump after feeding", None), ("which is better, spectra or medela?", None),
    ("better on the left, worse on the right", None), ("the pump is working fine", None),
    # amounts compared, and output said to be up or down
    ("went from 30ml to 50ml", "better"), ("from 2 oz to 1 oz", "worse"), ("from 40 to 42 ml", "same"),
    ("output is up a little", "better"), ("supply went down", "worse"), ("i was up all night", None),
    ("pumping is going ok", None), ("", None), ("about the same, maybe a tiny bit better", None),
    ("i want more milk", None), ("trying to pump better", None),
])
def test_read_outcome(text, outcome):
    assert c.read_outcome(text) == outcome


@pytest.mark.parametrize("text, routed", [
    ("Better", True), ("About the same", True), ("it's getting better", True), ("that didn't help", True),
    ("no difference at all", True), ("the new flanges really helped", True), ("its getting worse", True),
    ("way less milk", True),
    # about something else, or a log: only a pending check-in question makes these answers
    ("pumped 40 ml, less than yesterday", False), ("same pump as before, medela", False),
    ("my nipples feel better", False), ("it's worse when I'm stressed", False), ("baby is feeding better now", False),
    ("no worse but no better", False),
    # could answer any question, or is a wish, not a report
    ("nope", False), ("not really", False), ("i want to pump better", False), ("how do i get more milk", False),
    ("is 45 ml better than yesterday?", False),
])
def test_only_plain_reports_are_routed_without_a_pending_question(text, routed):
    assert c.is_outcome_statement(text) is routed


@pytest.mark.parametrize("text, wanted", [
    ("Tomorrow morning", c.Request.SCHEDULE), ("In 3 days", c.Request.SCHEDULE),
    ("can you check in with me tomorrow evening", c.Request.SCHEDULE), ("ask me tomorrow how it went", c.Request.SCHEDULE),
    ("No check-in, thanks", c.Request.DECLINE), ("Stop the check-ins", c.Request.STOP),
    ("please don't check in tomorrow", c.Request.STOP), ("unsubscribe", c.Request.STOP),
    ("i pump tomorrow morning at work", None), ("pumped 40 ml this morning", None), ("stop", None),
    ("don't forget to check in with me tomorrow", c.Request.SCHEDULE), ("do not check in before 10am", None),
    ("remind me tomorrow to buy bags", None),
])
def test_checkin_request(text, wanted):
    assert c.checkin_request(text) is wanted


def test_due_times_follow_the_parents_own_clock():
    # The parent's clock says 14:30; the server's epoch is NOW. Tomorrow 9:00 is 18.5 h away.
    afternoon = datetime(2026, 11, 28, 14, 30)
    assert c.due_at("morning", afternoon, NOW) == NOW + 18.5 * 3600
    assert c.due_at("evening", afternoon, NOW) == NOW + 28.5 * 3600
    assert c.due_at("three_days", afternoon, NOW) == NOW + (3 * 24 - 5.5) * 3600
    # At 1 am, "tomorrow morning" is the coming one.
    assert c.due_at("morning", datetime(2026, 11, 28, 1, 0), NOW) == NOW + 8 * 3600
    assert c.when_words(NOW + 18.5 * 3600, NOW, afternoon) == "tomorrow (Sunday) at about 9 am"
    assert c.choice_of("Tomorrow evening") == "evening" and c.choice_of("check in with me") == "morning"


def test_delivery_plan_respects_lateness_and_the_whatsapp_window():
    hour = 3600.0
    assert c.plan_delivery(NOW, NOW + hour, "telegram", NOW - 30 * hour, None).plan is c.Plan.SEND
    assert c.plan_delivery(NOW, NOW + 13 * hour, "telegram", None, None).plan is c.Plan.DROP
    assert c.plan_delivery(NOW, NOW, "whatsapp", NOW - 2 * hour, None).plan is c.Plan.SEND
    assert c.plan_delivery(NOW, NOW, "whatsapp", NOW - 25 * hour, "pump_checkin").plan is c.Plan.TEMPLATE
    skipped = c.plan_delivery(NOW, NOW, "twilio_whatsapp", NOW - 25 * hour, None)
    assert skipped.plan is c.Plan.SKIP and "template" in skipped.reason


def test_log_before_and_after_compares_sessions_so_part_days_do_not_mislead():
    since = datetime(2026, 11, 25, 12, 0)
    entries = [{"ml": 40, "at": "2026-11-24T07:00"}, {"ml": 60, "at": "2026-11-24T15:00"},
               {"ml": 110, "at": "2026-11-23T09:00"},  # 70 ml a session before
               {"ml": 70, "at": "2026-11-26T07:00"}, {"ml": 90, "at": "2026-11-26T19:00"},  # 80 since
               {"ml": 30, "at": "2026-11-10T09:00"},  # more than a week before: not counted
               {"ml": "junk", "at": "never"}]
    line = c.compare_log(entries, since, datetime(2026, 11, 27, 9, 0))
    assert line == ("Your log shows about 70 ml a session before my suggestions (3 sessions logged) and 80 ml a "
                    "session since (2 sessions logged): up about 14 %.")
    assert c.compare_log(entries[:3], since, datetime(2026, 11, 27, 9, 0)) is None  # nothing logged since
    # A steady parent who logged the advice day's morning and the check-in day's morning only: the same.
    steady = [{"ml": 100, "at": f"2026-11-{d}T{h:02d}:00"} for d in (22, 23, 24, 25, 26) for h in (6, 12, 18)
              if (d, h) < (25, 12) or d == 26 and h == 6] + [{"ml": 100, "at": "2026-11-25T18:00"}]
    assert c.compare_log(steady, since, datetime(2026, 11, 26, 9, 0)).endswith("about the same.")


# --- the table -------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    from channels.checkins import metadata

    with clean_database_url(request.param, tmp_path, metadata, tracker_metadata) as url:
        eng = sa.create_engine(url)
        tracker_metadata.create_all(eng)
        yield eng
        eng.dispose()


def add_slot(eng, sender: str, value) -> None:
    with eng.begin() as conn:
        conn.execute(events_table.insert().values(sender_id=sender, type_name="slot", timestamp=NOW,
                                                  action_name="checkin_due",
                                                  data=json.dumps({"event": "slot", "name": "checkin_due", "value": value})))
        conn.execute(events_table.insert().values(sender_id=sender, type_name="user", timestamp=NOW, data="{}"))


def test_requests_are_copied_once_and_a_newer_one_or_a_stop_replaces_the_waiting_one(engine):
    add_slot(engine, "a", NOW + 60)
    add_slot(engine, "b", NOW + 60)
    first, second = CheckInStore(engine), CheckInStore(engine)  # two servers on one database
    assert first.sync(NOW) == 2 and second.sync(NOW) == 0
    add_slot(engine, "a", NOW + 120)
    add_slot(engine, "b", None)
    assert second.sync(NOW) == 1  # the stop makes no row of its own
    rows = {(r.sender_id, r.due_at): r.status for r in first.rows()}
    assert rows == {("a", NOW + 60): "cancelled", ("a", NOW + 120): "pending", ("b", NOW + 60): "cancelled"}
    assert [r.sender_id for r in first.due(NOW + 200)] == ["a"]
    assert first.due(NOW + 100) == []


def test_a_due_row_is_claimed_by_one_server_only(engine):
    for k in range(20):
        add_slot(engine, f"s{k}", NOW)
    stores = [CheckInStore(engine) for _ in range(4)]
    stores[0].sync(NOW)
    due = stores[0].due(NOW)
    wins = []

    def take(store, name):
        for row in store.due(NOW):
            if store.claim(row, name, NOW):
                wins.append((row.id, name))

    threads = [threading.Thread(target=take, args=(s, f"server{i}")) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(due) == 20
    assert sorted(row_id for row_id, _ in wins) == sorted(r.id for r in due)  # each once, none lost
    # A claim left by a server that died is taken again once stale, by one server.
    row = stores[1].rows()[0]
    assert stores[1].due(NOW + 10) == []
    stale = [r for r in stores[1].due(NOW + 1000) if r.id == row.id]
    assert stale and stores[1].claim(stale[0], "late", NOW + 1000) and not stores[2].claim(stale[0], "later", NOW + 1000)


def test_a_sent_check_in_is_closed_by_one_server_only(engine):
    add_slot(engine, "s", NOW)
    first, second = CheckInStore(engine), CheckInStore(engine)
    first.sync(NOW)
    row = first.due(NOW)[0]
    assert first.claim(row, "one", NOW)
    first.finish(row.id, "sent", NOW, "webchat")
    seen_by_first, seen_by_second = first.unanswered(NOW + 3 * 86400), second.unanswered(NOW + 3 * 86400)
    assert [r.id for r in seen_by_first] == [r.id for r in seen_by_second] == [row.id]  # both sweep it
    assert first.close(seen_by_first[0], "no_reply", "no answer within 48 h")
    assert not second.close(seen_by_second[0], "answered")  # too late: the first closed it
    assert [(r.status, r.reason) for r in second.rows()] == [("no_reply", "no answer within 48 h")]


def test_a_long_events_table_is_copied_in_batches_and_the_cursor_never_goes_back(engine, monkeypatch):
    import channels.checkins as module
    monkeypatch.setattr(module, "SYNC_BATCH", 5)
    for k in range(12):
        add_slot(engine, f"p{k}", NOW)
    store = CheckInStore(engine)
    copied = [store.sync(NOW) for _ in range(6)]
    assert sum(copied) == 12 and copied[-1] == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(checkin)).scalar() == 12
    assert len({r.sender_id for r in store.rows()}) == 12  # every sender once


def test_an_event_that_becomes_visible_late_is_still_copied_but_never_replaces_a_newer_request(engine):
    add_slot(engine, "late", NOW + 50)   # ids 1, 2
    store = CheckInStore(engine)
    store.sync(NOW)
    add_slot(engine, "late", NOW + 99)   # ids 3, 4: the newer request
    store.sync(NOW)
    # An older request whose transaction committed only now, under an id the cursor has passed.
    with engine.begin() as conn:
        conn.execute(events_table.delete().where(events_table.c.id == 2))
        conn.execute(events_table.insert().values(id=2, sender_id="late", type_name="slot", timestamp=NOW,
                                                  action_name="checkin_due",
                                                  data=json.dumps({"event": "slot", "name": "checkin_due", "value": NOW + 10})))
    assert store.sync(NOW) == 1
    assert [(r.event_id, r.due_at, r.status) for r in store.rows("late")] == [
        (1, NOW + 50, "cancelled"), (3, NOW + 99, "pending"), (2, NOW + 10, "cancelled")]
