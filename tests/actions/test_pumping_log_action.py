"""The pumping log action: record, correct, delete and show, with the slot as the store."""
from actions.pumping_log import ActionPumpingLog
from tests.actions.trackers import make_tracker, slot_events, texts

LOCAL = {"local_time": "2026-11-28T14:30"}


async def test_a_log_is_recorded_and_confirmed_in_ml_and_oz(dispatcher):
    tracker = make_tracker("2 oz left and 1.5 right at 6am", intent="log_pumping", metadata=LOCAL)
    events = slot_events(await ActionPumpingLog().run(dispatcher, tracker, {}))
    assert events["pumping_log"] == [{"ml": 59.1, "side": "left", "at": "2026-11-28T06:00"},
                                     {"ml": 44.4, "side": "right", "at": "2026-11-28T06:00"}]
    assert "59.1 ml (2.0 oz), left side, today at 6:00 am" in texts(dispatcher)
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Show my log", "Delete that entry",
                                                                      "Little or no milk when I pump"]


async def test_new_entries_are_added_to_the_old_ones(dispatcher):
    old = [{"ml": 30.0, "side": None, "at": "2026-11-27T08:00"}]
    tracker = make_tracker("pumped 45 ml", intent="log_pumping", metadata=LOCAL, slots={"pumping_log": old})
    events = slot_events(await ActionPumpingLog().run(dispatcher, tracker, {}))
    assert events["pumping_log"] == old + [{"ml": 45.0, "side": None, "at": "2026-11-28T14:30"}]


async def test_a_correction_changes_the_last_entry(dispatcher):
    log = [{"ml": 30.0, "side": None, "at": "2026-11-27T08:00"}, {"ml": 45.0, "side": "left", "at": "2026-11-28T06:00"}]
    tracker = make_tracker("sorry that was 40 not 45", intent="correct_log_entry", metadata=LOCAL, slots={"pumping_log": log})
    events = slot_events(await ActionPumpingLog().run(dispatcher, tracker, {}))
    assert events["pumping_log"] == [log[0], {"ml": 40.0, "side": "left", "at": "2026-11-28T06:00"}]
    assert "40 ml (1.4 oz)" in texts(dispatcher)


async def test_delete_removes_only_the_last_entry(dispatcher):
    log = [{"ml": 30.0, "side": None, "at": "2026-11-27T08:00"}, {"ml": 45.0, "side": "left", "at": "2026-11-28T06:00"}]
    tracker = make_tracker("delete that", intent="delete_log_entry", metadata=LOCAL, slots={"pumping_log": log})
    events = slot_events(await ActionPumpingLog().run(dispatcher, tracker, {}))
    assert events["pumping_log"] == log[:1]
    assert texts(dispatcher).startswith("Deleted: 45 ml")


async def test_nothing_to_delete_or_correct_says_so_kindly(dispatcher):
    for text, intent in (("delete that", "delete_log_entry"), ("sorry, 40 not 45", "correct_log_entry")):
        events = await ActionPumpingLog().run(dispatcher, make_tracker(text, intent=intent, metadata=LOCAL), {})
        assert events == []
    assert texts(dispatcher).count("nothing in your log") == 2


async def test_show_gives_the_week_and_a_chart_of_it(dispatcher):
    log = [{"ml": 30.0, "side": None, "at": "2026-11-27T08:00"}, {"ml": 45.0, "side": "left", "at": "2026-11-28T06:00"}]
    tracker = make_tracker("show my log", intent="show_log", metadata=LOCAL, slots={"pumping_log": log})
    assert await ActionPumpingLog().run(dispatcher, tracker, {}) == []
    assert "Sat 28 Nov: 45 ml" in texts(dispatcher) and "Fri 27 Nov: 30 ml" in texts(dispatcher)
    assert dispatcher.messages[1]["image"] == "/webhooks/webchat/chart/2026-11-28/0-0-0-0-0-30-45.png"


async def test_an_amount_it_cannot_read_gets_an_example(dispatcher):
    events = await ActionPumpingLog().run(dispatcher, make_tracker("pumped loads", intent="log_pumping", metadata=LOCAL), {})
    assert events == [] and "pumped 60 ml" in texts(dispatcher)


async def test_the_log_is_carried_into_a_new_session(dispatcher):
    from actions.session import ActionSessionStart
    log = [{"ml": 80.0, "side": None, "at": "2026-11-28T07:00"}]
    events = await ActionSessionStart().run(dispatcher, make_tracker(slots={"pumping_log": log}), {})
    assert slot_events(events)["pumping_log"] == log
