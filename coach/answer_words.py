"""The words that count as each answer, as data: ``coach/knowledge/answer_words.<language>.yml``, read here.

The file has one section per question (named by its slot, as in ``coach.answers.PARSERS``) and a
``common`` section for what several readers share (a bare yes or no, "fine", the shape of a question).
Each section holds named entries; ``coach.answers`` asks for them by name (``pattern("electric")``), so
names are unique across the whole file. An entry that carries a ``value`` is one of a list of answers
read in order (the kinds of pump, the suction levels): ``valued(section)`` gives them as
``(value, pattern)`` pairs, in the file's order. ``catches`` are messages the slot's reader must read
as that value; ``tests/unit/test_answer_words.py`` runs them.

A pattern is ``before`` + the ``any_of`` alternatives joined by ``|`` + ``after``: one regular
expression per entry, exactly as the code had it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Pattern, Tuple

import yaml

from coach import pattern_entries

WORDS_DIR = Path(__file__).resolve().parent / "knowledge"
KEYS = ("why", "value", "before", "any_of", "after", "catches")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class WordFileError(ValueError):
    """The answer-words file is malformed: caught by the tests and when coach.answers loads."""


@dataclass(frozen=True)
class Entry:
    name: str
    section: str
    pattern: Pattern[str]
    value: Optional[str]
    why: str
    catches: Tuple[str, ...]


@dataclass(frozen=True)
class WordBook:
    language: str
    entries: Mapping[str, Entry]

    def pattern(self, name: str) -> Pattern[str]:
        if name not in self.entries:
            raise WordFileError(f"{name}: no such entry in answer_words.{self.language}.yml")
        return self.entries[name].pattern

    def sections(self) -> Tuple[str, ...]:
        return tuple(dict.fromkeys(entry.section for entry in self.entries.values()))

    def valued(self, section: str) -> Tuple[Tuple[str, Pattern[str]], ...]:
        """The section's entries that carry a value, as (value, pattern), in the file's order."""
        return tuple((entry.value, entry.pattern) for entry in self.entries.values()
                     if entry.section == section and entry.value is not None)


class _UniqueKeys(yaml.SafeLoader):
    """A YAML reader that refuses a key written twice in one mapping (plain YAML keeps the last)."""


def _mapping(loader: _UniqueKeys, node: yaml.MappingNode, deep: bool = False) -> Dict[Any, Any]:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise WordFileError(f"{key}: named twice (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _entry(section: str, name: Any, raw: Any) -> Entry:
    where = f"{section}.{name}"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise WordFileError(f"{where}: a name is lower-case letters, digits and _")
    if not isinstance(raw, dict):
        raise WordFileError(f"{where}: expected a mapping with {list(KEYS)}")
    unknown = set(raw) - set(KEYS)
    if unknown:
        raise WordFileError(f"{where}: unknown keys {sorted(unknown)}")
    pattern = pattern_entries.compile_entry(raw, where, WordFileError)
    value = raw.get("value")
    if value is not None and (not isinstance(value, str) or not value):
        raise WordFileError(f"{where}: 'value' is the slot value the words give, a string")
    catches = raw.get("catches") or []
    if not isinstance(catches, list) or not all(isinstance(c, str) and c.strip() for c in catches):
        raise WordFileError(f"{where}: 'catches' is a list of messages")
    if catches and value is None:
        raise WordFileError(f"{where}: 'catches' needs the 'value' they are read as")
    return Entry(name, section, pattern, value, pattern_entries.why(raw, where, WordFileError), tuple(catches))


def load(path: Path) -> WordBook:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys)  # a SafeLoader that refuses repeated keys
    except yaml.YAMLError as error:
        raise WordFileError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("language"), str):
        raise WordFileError(f"{path}: expected a mapping with 'language' and one section per slot")
    entries: Dict[str, Entry] = {}
    for section, body in raw.items():
        if section == "language":
            continue
        if not isinstance(section, str) or not _NAME.fullmatch(section):
            raise WordFileError(f"{section}: a section is named by its slot")
        if not isinstance(body, dict) or not body:
            raise WordFileError(f"{section}: a section holds named entries")
        for name, entry in body.items():
            if name in entries:
                raise WordFileError(f"{section}.{name}: the name is also used in {entries[name].section}")
            entries[name] = _entry(section, name, entry)
    return WordBook(raw["language"], entries)


@lru_cache(maxsize=None)
def words(language: str = "en") -> WordBook:
    return load(WORDS_DIR / f"answer_words.{language}.yml")


def pattern(name: str, language: str = "en") -> Pattern[str]:
    return words(language).pattern(name)
