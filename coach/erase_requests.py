"""Does a message ask to delete the whole conversation? Read from coach/knowledge/erase_requests.yml."""
from __future__ import annotations

from pathlib import Path

from coach.phrase_rules import PhraseRules

RULES = PhraseRules(Path(__file__).parent / "knowledge" / "erase_requests.yml")


def is_erase_request(text: str) -> bool:
    return RULES.matches(text)
