"""Does a message ask to reach a person? Read from coach/knowledge/person_requests.yml."""
from __future__ import annotations

from pathlib import Path

from coach.phrase_rules import PhraseRules

RULES = PhraseRules(Path(__file__).parent / "knowledge" / "person_requests.yml")


def asks_for_a_person(text: str) -> bool:
    return RULES.matches(text)
