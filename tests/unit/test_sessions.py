"""Which facts a new session keeps (coach/sessions.py) and when a long session is full
(rasa_patches/session_size.py)."""
from types import SimpleNamespace

import pytest

from coach.sessions import DURABLE_SLOTS, carried_slots, continues_conversation
from rasa_patches import session_size

NOW = 1_800_000_000.0


@pytest.mark.parametrize("last, minutes, expected", [
    (NOW - 10, 60, True), (NOW - 59 * 60, 60, True), (NOW - 61 * 60, 60, False),
    (None, 60, False),  # a brand-new conversation
    (NOW - 10, 0, False), (NOW - 10, None, False),  # sessions switched off: nothing continues
])
def test_a_session_continues_the_conversation_only_inside_the_expiry_time(last, minutes, expected):
    assert continues_conversation(last, NOW, minutes) is expected


def test_after_silence_only_durable_facts_and_a_waiting_checkin_carry_over():
    slots = {"pump_type": "manual", "pumping_pain": "some", "pumping_log": [{"ml": 40}], "suspected_cause": "pump",
             "flange_size_mm": None}
    assert carried_slots(slots, continuing=False) == {"pump_type": "manual", "pumping_log": [{"ml": 40}]}
    waiting = {**slots, "checkin_due": NOW + 3600}
    assert carried_slots(waiting, continuing=False)["suspected_cause"] == "pump"
    assert set(carried_slots(waiting, continuing=False)) - set(DURABLE_SLOTS) == {"checkin_due", "suspected_cause"}


def test_a_continuing_session_keeps_every_set_slot_but_rasas_session_metadata():
    slots = {"pump_type": "manual", "pumping_pain": "some", "requested_slot": "flange_size", "outcome": None,
             "session_started_metadata": {"local_time": "2026-12-07T09:00"}}
    assert carried_slots(slots, continuing=True) == {"pump_type": "manual", "pumping_pain": "some",
                                                     "requested_slot": "flange_size"}


def _tracker(events: int, paused: bool = False) -> SimpleNamespace:
    return SimpleNamespace(events=[object()] * events, is_paused=lambda: paused)


def test_a_session_is_full_at_its_limit_unless_a_person_holds_the_chat():
    limit = session_size.MAX_SESSION_EVENTS
    assert not session_size.session_is_full(_tracker(limit - 1))
    assert session_size.session_is_full(_tracker(limit))
    # A new session would end Rasa's pause while a person from the clinic is talking to the parent.
    assert not session_size.session_is_full(_tracker(limit * 3, paused=True))
