"""The red-flag phrase rules as data: ``safety/rules.<language>.yml``, read and compiled here.

The file has five tables of named patterns (``rules`` give a flag, ``parts`` are words a rule needs
beside it, ``masks`` are set aside before the rules look, ``suspicion`` and ``check_replies`` serve
the classifier's suspicion and the one safety check), the ``synonyms`` they share, and the ``steps``:
the order in which ``coach.safety.detect_red_flags`` reads a message, written down once, each step
naming the patterns it uses. Every rule and mask carries the messages it must catch and the
look-alikes it must leave; ``tests/unit/test_red_flag_rules.py`` runs them.

A pattern is ``before`` + the ``any_of`` alternatives joined by ``|`` + ``after``, with each
``{synonym}`` replaced by its words: one regular expression per entry, as the code had them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Pattern, Tuple

import yaml

from coach import pattern_entries

RULES_DIR = Path(__file__).resolve().parent.parent / "safety"
TABLES = ("rules", "parts", "masks", "suspicion", "check_replies")
FLAGS = ("mental_health", "infant", "mastitis", "fever", "nipple_damage", "low_mood")


class RuleFileError(ValueError):
    """The rules file is malformed: caught by the tests and when the NLU guard loads."""


@dataclass(frozen=True)
class Entry:
    name: str
    table: str
    pattern: Pattern[str]
    flag: Optional[str]
    why: str
    catches: Tuple[str, ...]
    leaves: Tuple[str, ...]


@dataclass(frozen=True)
class Step:
    name: str
    does: str
    uses: Tuple[str, ...]
    physical: bool  # skipped when the message asks about signs in general


@dataclass(frozen=True)
class RuleBook:
    entries: Mapping[str, Entry]
    steps: Tuple[Step, ...]

    def pattern(self, name: str) -> Pattern[str]:
        return self.entries[name].pattern


def _examples(raw: Dict[str, Any], key: str, where: str) -> Tuple[str, ...]:
    values = raw.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise RuleFileError(f"{where}: '{key}' is a list of messages")
    return tuple(values)


def _entry(table: str, name: str, raw: Any, synonyms: Mapping[str, str]) -> Entry:
    where = f"{table}.{name}"
    if not isinstance(raw, dict):
        raise RuleFileError(f"{where}: expected a mapping with 'any_of', a list of ways of saying it")
    unknown = set(raw) - {"flag", "why", "note", "before", "any_of", "after", "catches", "leaves"}
    if unknown:
        raise RuleFileError(f"{where}: unknown keys {sorted(unknown)}")
    flag = raw.get("flag")
    if table == "rules" and flag not in FLAGS:
        raise RuleFileError(f"{where}: a rule needs a flag, one of {FLAGS}")
    pattern = pattern_entries.compile_entry(raw, where, RuleFileError, synonyms)
    return Entry(name, table, pattern, flag, pattern_entries.why(raw, where, RuleFileError),
                 _examples(raw, "catches", where), _examples(raw, "leaves", where))


def load(path: Path) -> RuleBook:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise RuleFileError(f"{path}: expected a mapping")
    synonyms = {str(k): str(v) for k, v in (raw.get("synonyms") or {}).items()}
    entries: Dict[str, Entry] = {}
    for table in TABLES:
        for name, body in (raw.get(table) or {}).items():
            if name in entries:
                raise RuleFileError(f"{table}.{name}: the name is also used in {entries[name].table}")
            entries[name] = _entry(table, str(name), body, synonyms)
    steps = []
    for step in raw.get("steps") or []:
        uses = tuple(step.get("uses") or ())
        missing = [u for u in uses if u not in entries]
        if missing:
            raise RuleFileError(f"step {step.get('name')}: uses unknown patterns {missing}")
        steps.append(Step(str(step["name"]), str(step.get("does") or ""), uses, bool(step.get("physical"))))
    return RuleBook(entries, tuple(steps))


@lru_cache(maxsize=None)
def rule_book(language: str = "en") -> RuleBook:
    return load(RULES_DIR / f"rules.{language}.yml")
