"""The check-in actions on real rasa_sdk trackers: booking, stopping, and reading the answer."""
import pytest

from actions.checkins import (
    LEFT_OPEN,
    UNREAD_OUTCOME,
    ActionCheckinOutcome,
    ActionScheduleCheckin,
    ActionStopCheckins,
)
from tests.actions.trackers import make_tracker, slot_events, texts

LOCAL = {"local_time": "2026-11-28T14:30"}
ASKED = [{"event": "bot", "text": "Hi, it's the pumping coach checking in as promised...", "metadata": {"checkin": 7}}]
DIAGNOSED = {"suspected_cause": "parts_settings", "runner_up_cause": "let_down"}


async def test_booking_sets_the_due_time_from_the_parents_clock(dispatcher):
    events = slot_events(await ActionScheduleCheckin().run(dispatcher, make_tracker("Tomorrow evening", metadata=LOCAL), {}))
    assert events["checkin_due"] - events["checkin_from"] == pytest.approx(28.5 * 3600, abs=5)
    assert "tomorrow (Sunday) at about 7 pm" in texts(dispatcher)


async def test_declining_books_nothing_and_stopping_clears_what_waits(dispatcher):
    assert await ActionScheduleCheckin().run(dispatcher, make_tracker("No check-in, thanks"), {}) == []
    events = slot_events(await ActionStopCheckins().run(dispatcher, make_tracker("stop the check-ins",
                                                                                slots={"checkin_due": 1.9e9}), {}))
    assert events == {"checkin_due": None, "checkin_open": False}
    assert await ActionStopCheckins().run(dispatcher, make_tracker("stop the check-ins"), {}) == []


@pytest.mark.parametrize("text, intent, outcome", [
    ("Better", "checkin_outcome", "better"), ("no", "deny", "same"),
    ("still barely getting anything", "report_low_output", "same"), ("went from 30ml to 50ml", "inform", "better"),
])
async def test_an_open_checkin_reads_the_reply_as_its_answer(dispatcher, text, intent, outcome):
    tracker = make_tracker(text, intent=intent, slots={"checkin_open": True, **DIAGNOSED}, events=ASKED)
    events = slot_events(await ActionCheckinOutcome().run(dispatcher, tracker, {}))
    assert events["outcome"] == outcome and events["checkin_open"] is False
    if outcome != "better":
        assert "The next most likely cause was let-down" in texts(dispatcher)


async def test_an_unreadable_reply_is_asked_once_more_then_left_open(dispatcher):
    first = make_tracker("hmm well", intent="nlu_fallback", slots={"checkin_open": True}, events=ASKED)
    assert await ActionCheckinOutcome().run(dispatcher, first, {}) == [] and texts(dispatcher) == UNREAD_OUTCOME
    again = make_tracker("hmm dunno", intent="nlu_fallback", slots={"checkin_open": True},
                         events=ASKED + [{"event": "user", "text": "hmm well"}, {"event": "bot", "text": UNREAD_OUTCOME}])
    dispatcher.messages.clear()
    assert slot_events(await ActionCheckinOutcome().run(dispatcher, again, {})) == {"checkin_open": False}
    assert texts(dispatcher) == LEFT_OPEN


async def test_without_a_checkin_only_a_plain_report_after_a_diagnosis_is_recorded(dispatcher):
    plain = make_tracker("that didn't help", intent="checkin_outcome", slots=DIAGNOSED)
    assert slot_events(await ActionCheckinOutcome().run(dispatcher, plain, {}))["outcome"] == "same"
    vague = make_tracker("my nipples feel better", intent="checkin_outcome", slots=DIAGNOSED)
    assert "outcome" not in slot_events(await ActionCheckinOutcome().run(dispatcher, vague, {}))
