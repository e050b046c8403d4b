"""The red-flag model (coach/safety_model.py) and how the NLU guard and the red-flag action use it.

The phrasings here were written for these tests; none is a training example or an evaluation item
(tests/unit/test_training_data.py keeps the evaluation sets out of its training data).
"""
import pytest
from rasa.shared.nlu.training_data.message import Message

from coach.safety import SafetyDecision, SuspectedKind, decide, model_flag_is_implausible
from coach.safety_model import NONE, default_model, featurise_text, load_safety_examples, train
from components.message_guard import MessageGuard


def guarded(text: str, intent: str = "ask_pump_choice", confidence: float = 0.9) -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": []})
    MessageGuard().process([message])
    return message


def suspected_kinds(message: Message) -> list:
    return [e["value"] for e in message.get("entities") if e["entity"] == "red_flag_suspected"]


def test_negated_words_become_their_own_features():
    assert featurise_text("No fever or chills").split() == ["no", "not_fever", "not_or", "not_chills"]
    # The negation stops at "but": the redness is said.
    assert featurise_text("not sore but red") == "not not_sore but red"


@pytest.mark.parametrize("text, kind", [
    ("she barely opens her eyes at feeds now and goes limp in my arms, 10 days old", "baby_unwell"),
    ("since last night she has had one wet nappy and she is 5 days old", "baby_unwell"),
    ("i feel like everyone would honestly be better off if i just wasn't around", "mood"),
    ("teeth chattering under the duvet and the outer side of my left breast is a hot angry patch", "mastitis"),
    ("my nipple split open down the middle and the milk in the bottle is streaked pink", "nipple_damage"),
])
def test_signs_told_without_the_rules_words_are_suspected(text, kind):
    suspicion = default_model().suspect(text)
    assert suspicion is not None and suspicion.kind == kind


@pytest.mark.parametrize("text", [
    "what suction level do you recommend on a spectra s2",
    "how long can pumped milk stay in the fridge",
    "i get about 60 ml per session, is that normal at 3 months",
    "no fever, no redness, my output just dropped",
])
def test_ordinary_messages_are_not_suspected(text):
    assert default_model().suspect(text) is None


def test_training_gives_the_same_model_every_time():
    examples = load_safety_examples()[::5]  # every kind and ordinary messages, whatever the files' order
    first, second = train(examples), train(examples)
    text = "she sleeps through her feeds and i can hardly wake her"
    assert first.flag_probability(text) == second.flag_probability(text)
    assert first.kind(text) == second.kind(text)


def test_an_unknown_label_in_the_written_data_stops_training(tmp_path):
    (tmp_path / "bad.yml").write_text('examples:\n  - text: "x"\n    label: "fever"\n')
    with pytest.raises(ValueError, match="unknown label"):
        load_safety_examples(tmp_path)


def test_written_data_has_every_kind_and_ordinary_messages():
    labels = [label for _, label in load_safety_examples()]
    assert {label: labels.count(label) >= 80 for label in set(labels)} == {
        "mastitis": True, "nipple_damage": True, "baby_unwell": True, "mood": True, NONE: True}


@pytest.mark.parametrize("text, implausible", [
    ("what are the signs of mastitis", True),  # asks in general
    ("no fever, no red patch, boobs feel normal", True),  # every sign word denied
    ("she's a sleepy baby but wakes for every feed, 7 wet diapers a day", True),  # reassured
    ("he is like a rag doll, no strength to suck", False),  # no sign word, nothing reassures
    ("what's the point of me anymore", False),  # not a general question
])
def test_what_sets_a_model_suspicion_aside(text, implausible):
    assert model_flag_is_implausible(text) is implausible


def test_guard_turns_a_model_suspicion_into_a_red_flag_with_its_kind():
    message = guarded("he stays asleep at the breast and i cant get more than 10 ml into him all day, 9 days old")
    assert message.get("intent")["name"] == "report_red_flag"
    assert suspected_kinds(message) == ["baby_unwell"]
    # No rule flag: the action asks the check worded for the suspected kind, not an escalation.
    assert not [e for e in message.get("entities") if e["entity"] == "red_flag"]
    assert decide([], message.get("text"), None, model_kind="baby_unwell") == SafetyDecision(check=SuspectedKind.BABY)


def test_guard_leaves_a_reassured_message_to_the_classifier():
    message = guarded("she's a sleepy baby but wakes for every feed, 7 wet diapers a day", intent="ask_pump_choice")
    assert message.get("intent")["name"] == "ask_pump_choice"
    assert suspected_kinds(message) == []


def test_a_classifier_red_flag_without_sign_words_stands_when_the_model_agrees():
    # The word filter alone would demote this (no sign word); the model learnt the sign.
    message = guarded("he stays asleep at the breast and i cant get more than 10 ml into him all day, 9 days old",
                      intent="report_red_flag")
    assert message.get("intent")["name"] == "report_red_flag"


def test_a_request_for_a_person_is_not_turned_into_a_check():
    message = guarded("i feel like everyone would be better off without me, can i talk to a real person",
                      intent="request_human")
    assert message.get("intent")["name"] in {"request_human", "report_red_flag"}
    assert suspected_kinds(message) == []
