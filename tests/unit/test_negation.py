"""Negation scopes and hedges: the two things that turn a keyword upside down."""
import re

import pytest

from coach.negation import find_affirmed, find_negated, hedge, negated

HURT = re.compile(r"\b(hurts?|hate)\b")


@pytest.mark.parametrize(
    "text, word, expected",
    [
        ("no fever", "fever", True),
        ("i don't have a fever", "fever", True),
        ("not really a fever", "fever", True),
        ("fever since last night", "fever", False),
        ("no fever but my breast is hot", "hot", False),  # "but" ends the negation's reach
        ("i dont hate it, it just hurts", "hurts", False),  # a new clause after the comma
        ("i dont hate it, it just hurts", "hate", True),
        ("he is no longer gaining", "gaining", False),  # "no longer" only looks like a negation
        ("not only sore but bleeding", "bleeding", False),
        ("no idea why. fever since the morning", "fever", False),  # a full stop ends the cue's reach
        ("no sleep for days and fever", "fever", False),  # too far after the cue
    ],
)
def test_negation_scope(text, word, expected):
    assert negated(text, text.index(word)) is expected


def test_find_affirmed_skips_denied_matches():
    text = "i don't hate it, it just hurts"
    assert find_affirmed(HURT, text).group(0) == "hurts"
    assert find_negated(HURT, text).group(0) == "hate"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("not sure", "unsure"), ("idk", "unsure"), ("hard to say", "unsure"), ("no idea tbh", "unsure"), ("??", "unsure"),
        ("sometimes", "partly"), ("kind of", "partly"), ("it depends", "partly"), ("sometimes yes sometimes no", "partly"),
        ("i think so", "hedged_yes"), ("probably", "hedged_yes"), ("mostly", "hedged_yes"),
        ("yes", None), ("21mm", None), ("it hurts", None),
    ],
)
def test_hedges(text, kind):
    assert hedge(text) == kind
