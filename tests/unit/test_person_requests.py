"""The words that keep the classifier's "request a person" are data with their own examples, and they
cover every request_human example the classifier was taught (coach/knowledge/person_requests.yml)."""
import pytest

from coach import person_requests
from coach.safety_model import nlu_messages
from coach.vocabulary import REQUEST_HUMAN_INTENT

DATA = person_requests.load()


@pytest.mark.parametrize("text", DATA["catches"])
def test_each_request_is_read(text):
    assert person_requests.asks_for_a_person(text)


@pytest.mark.parametrize("text", DATA["leaves"])
def test_low_milk_is_not_a_request_for_a_person(text):
    assert not person_requests.asks_for_a_person(text)


def test_every_taught_request_for_a_person_is_read():
    taught = [text for intent, text in nlu_messages() if intent == REQUEST_HUMAN_INTENT]
    assert len(taught) > 40
    assert [t for t in taught if not person_requests.asks_for_a_person(t)] == []
