"""One named pattern written as data: ``before`` + its ``any_of`` ways of saying it joined by ``|`` +
``after``, each ``{synonym}`` replaced by its words. The red-flag rules (safety/rules.en.yml) and the
answer words (coach/knowledge/answer_words.en.yml) are written this way; their loaders share this."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Pattern, Type

# A synonym is named in braces; regex counts ("{0,30}") never hold a letter, so they are left alone.
_SYNONYM = re.compile(r"\{([a-z_]+)\}")


def _text(raw: Mapping[str, Any], key: str, where: str, error: Type[ValueError]) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise error(f"{where}: '{key}' is a quoted string")
    return value


def compile_entry(raw: Mapping[str, Any], where: str, error: Type[ValueError],
                  synonyms: Optional[Mapping[str, str]] = None) -> Pattern[str]:
    """The entry's pattern, or ``error`` naming the entry and what is wrong with it."""
    alternatives = raw.get("any_of")
    if not isinstance(alternatives, list) or not alternatives or not all(isinstance(a, str) for a in alternatives):
        raise error(f"{where}: needs 'any_of', a list of ways of saying it (quoted strings)")
    source = _text(raw, "before", where, error) + "|".join(alternatives) + _text(raw, "after", where, error)

    def synonym(match: "re.Match[str]") -> str:
        if synonyms is None or match.group(1) not in synonyms:
            raise error(f"{where}: unknown synonym {{{match.group(1)}}}")
        return synonyms[match.group(1)]

    if synonyms is not None:
        source = _SYNONYM.sub(synonym, source)
    try:
        return re.compile(source)
    except re.error as bad:
        raise error(f"{where}: not a valid pattern: {bad}") from bad


def why(raw: Mapping[str, Any], where: str, error: Type[ValueError]) -> str:
    return _text(raw, "why", where, error)
