"""While a question waits: a reply is read as its answer first, and only plainly other things interrupt."""
import pytest

from coach.turns import TurnKind, read_turn


@pytest.mark.parametrize(
    "requested, text, intent, value",
    [
        # Answers given under a topic's intent are still answers.
        ("milk_flow_starts", "yes it lets down after a couple of minutes", "ask_let_down", "yes"),
        ("pumping_feelings", "it's fine with me", "ask_session_length", "calm"),
        ("pumping_feelings", "i wouldnt say i hate it, its just boring", "express_pumping_stress", "calm"),
        ("pumping_pain", "i dont mind it really, its just sore", "inform", "some"),
        # Hedges are answers, not "didn't catch that".
        ("breasts_feel_full", "not sure", "inform", "unsure"),
        ("milk_flow_starts", "sometimes yes sometimes no", "report_red_flag", "unsure"),
        ("flange_size", "like 21?", "inform", "under_24"),
        ("suction_level", "like 8 or 9", "inform", "high"),
    ],
)
def test_replies_are_answers(requested, text, intent, value):
    turn = read_turn(text, requested, intent)
    assert turn.kind is TurnKind.ANSWER
    assert turn.found[requested] == value


@pytest.mark.parametrize(
    "text, intent, rule_flag",
    [
        ("is coconut oil ok on the flanges?", "ask_lubricant", False),
        ("how long can milk stay out", "ask_milk_storage", False),
        ("talk to a person", "request_human", False),
        ("i have a fever and my breast is red", "report_red_flag", True),
        ("stop", "stop", False),
    ],
)
def test_plainly_other_messages_interrupt(text, intent, rule_flag):
    assert read_turn(text, "pumping_pain", intent, rule_flag).kind is TurnKind.INTERRUPT


def test_an_unreadable_reply_is_asked_again_not_taken_for_a_topic():
    turn = read_turn("my coworker keeps walking in", "milk_flow_starts", "express_pumping_stress")
    assert turn.kind is TurnKind.UNREADABLE
    assert turn.found == {"away_from_baby": "yes"} or "milk_flow_starts" not in turn.found


def test_several_facts_in_one_reply_are_all_kept():
    turn = read_turn("no pain but the flange rubs and i use 21mm", "pumping_pain", "inform")
    assert turn.found["pumping_pain"] == "none"
    assert turn.found["flange_fit"] == "poor"
    assert turn.found["flange_size"] == "under_24"
