"""What the forms say when they ask for a slot: the question text, with their quick replies and the value each reply stands for.

The texts are data (content/<language>/questions.yml); this module reads them into one table, kept beside
the parsers so a test can check that every button title reads back as its own value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Tuple

from coach import content


@dataclass(frozen=True)
class AskedQuestion:
    text: str
    options: Tuple[Tuple[str, str], ...]  # (button title, the value the parser must read from it)


def _load(language: str = content.DEFAULT_LANGUAGE) -> Dict[str, AskedQuestion]:
    """The questions table of a language (content/<language>/questions.yml), checked as it is read."""
    table = content.table("questions.yml", language)
    questions: Dict[str, AskedQuestion] = {}
    for slot, spec in (table or {}).get("questions", {}).items():
        if not isinstance(spec, dict) or not str(spec.get("text") or "").strip() or not spec.get("source"):
            raise content.ContentError(f"questions.yml: {slot} needs a 'text' and a 'source'")
        options = tuple((str(o["title"]), str(o["value"])) for o in spec.get("options") or ())
        questions[str(slot)] = AskedQuestion(str(spec["text"]), options)
    return questions


PROMPTS: Mapping[str, AskedQuestion] = _load()
# Which question a bot message is: how the transcript shows what was asked.
SLOT_BY_TEXT: Mapping[str, str] = {question.text: slot for slot, question in PROMPTS.items()}
