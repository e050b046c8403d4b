"""The names in coach/vocabulary.py, domain.yml and the NLU data are one vocabulary: fail when they drift.

Each check reads the files Rasa reads, so a renamed intent, a new status or a new quick reply that is
not in the training data shows up here rather than as a misunderstood tap in a live conversation.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Set

import pytest
from rasa.shared.utils.io import read_yaml_file

from coach import replies, vocabulary
from coach.answers import UNSURE
from coach.diagnosis import QUESTIONS
from coach.prompts import PROMPTS
from coach.safety import RedFlag, SuspectedKind
from review.events import TOPICS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> dict:
    # Rasa's own reader (YAML 1.2): a plain YAML 1.1 loader would turn the value "yes" into True.
    return read_yaml_file(ROOT / "domain.yml")


@pytest.fixture(scope="module")
def nlu_examples() -> Dict[str, Set[str]]:
    """Every NLU example text (lower-cased, stripped) with the intents it is an example of."""
    found: Dict[str, Set[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in read_yaml_file(path).get("nlu", []):
            if "intent" not in item:
                continue
            for line in item["examples"].splitlines():
                text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
                if text:
                    found.setdefault(text.lower(), set()).add(item["intent"])
    return found


def names(suffix: str) -> Dict[str, str]:
    return {k: v for k, v in vars(vocabulary).items() if k.endswith(suffix) and isinstance(v, str)}


def slot_values(domain: dict, slot: str) -> list:
    return domain["slots"][slot]["values"]


def test_every_intent_name_is_a_domain_intent(domain):
    missing = {k: v for k, v in names("_INTENT").items() if v not in domain["intents"] and v != "nlu_fallback"}
    assert missing == {}


def test_every_slot_name_is_a_domain_slot(domain):
    # requested_slot is Rasa's own and never declared in a domain.
    missing = {k: v for k, v in names("_SLOT").items() if v not in domain["slots"] and k != "REQUESTED_SLOT"}
    assert missing == {}


def test_forms_and_actions_are_in_the_domain(domain):
    assert {vocabulary.TROUBLESHOOT_FORM, vocabulary.STORAGE_FORM} <= set(domain["forms"])
    assert {vocabulary.RED_FLAG_ACTION, vocabulary.HANDOFF_ACTION, vocabulary.FALLBACK_ACTION} <= set(domain["actions"])


def test_categorical_slots_hold_exactly_the_values_the_code_writes(domain):
    assert slot_values(domain, vocabulary.TROUBLESHOOTING_STATUS_SLOT) == list(vocabulary.TROUBLESHOOTING_STATUSES)
    assert slot_values(domain, vocabulary.SUSPECTED_CAUSE_SLOT) == list(vocabulary.CAUSES)
    assert slot_values(domain, vocabulary.RUNNER_UP_CAUSE_SLOT) == list(vocabulary.CAUSES)
    assert slot_values(domain, vocabulary.RED_FLAG_SLOT) == [flag.value for flag in RedFlag]
    assert slot_values(domain, vocabulary.SAFETY_CHECK_KIND_SLOT) == [kind.value for kind in SuspectedKind]


def test_each_question_slot_takes_exactly_the_answers_the_cause_model_weighs(domain):
    for question in QUESTIONS:
        assert question.slot in domain["forms"][vocabulary.TROUBLESHOOT_FORM]["required_slots"], question.slot
        # "unsure" can always be stored, so the question is not asked again; only some questions weigh it.
        assert set(slot_values(domain, question.slot)) == {*question.answers, UNSURE}, question.slot


def test_every_quick_reply_stands_for_a_value_its_slot_can_hold(domain):
    for slot, prompt in PROMPTS.items():
        if domain["slots"][slot]["type"] == "categorical":
            assert {value for _, value in prompt.options} <= set(slot_values(domain, slot)), slot


def test_review_topics_are_domain_intents(domain):
    assert set(TOPICS) <= set(domain["intents"])


def sent_titles(domain: dict) -> Dict[str, str]:
    """Every button title the assistant can send, with the intent a tap on it must be read as."""
    expected = dict(replies.BUTTON_INTENTS)
    expected.update({title: vocabulary.INFORM_INTENT for prompt in PROMPTS.values() for title, _ in prompt.options})
    for response in domain["responses"].values():
        for variant in response:
            for button in variant.get("buttons", []):
                assert button["title"] == button["payload"], "a payload other than its title could set a slot"
                assert button["title"] in replies.BUTTON_INTENTS, button["title"]
    return expected


def test_every_menu_button_is_trained_as_the_intent_it_means(domain, nlu_examples):
    sent_titles(domain)  # and every button in a domain response is one of them
    wrong = {title: nlu_examples.get(title.lower()) for title, intent in replies.BUTTON_INTENTS.items()
             if intent not in nlu_examples.get(title.lower(), set())}
    assert wrong == {}


def test_quick_replies_in_the_nlu_data_are_trained_as_answers(nlu_examples):
    # A form's quick replies are read as the answer first (coach/turns.py), so they need no example; one
    # that has an example must not teach another intent, or a tap outside the form would go astray.
    wrong = {title: nlu_examples[title.lower()] for prompt in PROMPTS.values() for title, _ in prompt.options
             if title.lower() in nlu_examples and nlu_examples[title.lower()] != {vocabulary.INFORM_INTENT}}
    assert wrong == {}


def test_button_titles_are_never_examples_of_two_intents(domain, nlu_examples):
    assert {t: nlu_examples[t.lower()] for t in sent_titles(domain) if len(nlu_examples.get(t.lower(), ())) > 1} == {}


def test_buttons_file_holds_no_stale_titles(domain):
    sent = {title.lower() for title in sent_titles(domain)}
    data = read_yaml_file(ROOT / "data" / "nlu" / "buttons.yml")
    stale = [line.strip()[2:] for item in data["nlu"] for line in item["examples"].splitlines()
             if line.strip() and line.strip()[2:].lower() not in sent]
    assert stale == []


def test_unfinished_means_in_progress_or_stopped():
    assert [s for s in vocabulary.TROUBLESHOOTING_STATUSES if vocabulary.troubleshooting_unfinished(s)] == [
        vocabulary.STATUS_IN_PROGRESS, vocabulary.STATUS_STOPPED]
    assert not vocabulary.troubleshooting_unfinished(None)
