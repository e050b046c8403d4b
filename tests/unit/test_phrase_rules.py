"""Phrase rules kept as data carry their own examples (coach/phrase_rules.py): each file's `catches`
must match and its `leaves` must not. The words that keep the classifier's "request a person" also
cover every request_human example the classifier was taught."""
import pytest

from coach import erase_requests, person_requests
from coach.safety_model import nlu_messages
from coach.vocabulary import REQUEST_HUMAN_INTENT

RULES = {"erase_requests": erase_requests.RULES, "person_requests": person_requests.RULES}
CASES = [(name, text, kind == "catches") for name, rules in RULES.items() for kind in ("catches", "leaves")
         for text in rules.data[kind]]


@pytest.mark.parametrize("name, text, caught", CASES)
def test_each_example_is_read_as_written(name, text, caught):
    assert RULES[name].matches(text) is caught


def test_every_taught_request_for_a_person_is_read():
    taught = [text for intent, text in nlu_messages() if intent == REQUEST_HUMAN_INTENT]
    assert len(taught) > 40
    assert [t for t in taught if not person_requests.asks_for_a_person(t)] == []


def test_the_guards_functions_read_the_same_rules():
    assert erase_requests.is_erase_request("please delete my conversation")
    assert not erase_requests.is_erase_request("delete that")
    assert person_requests.asks_for_a_person("can I speak to someone")
    assert not person_requests.asks_for_a_person("the pump is only getting drips")
