"""Phrase rules kept as data: a YAML file of regular expressions with the messages they must catch and
the look-alikes they must leave (coach/knowledge/erase_requests.yml, person_requests.yml)."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, List

import yaml

from coach.safety import normalise


class PhraseRules:
    """The patterns of one file, matched as whole words after ``normalise`` (read on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @functools.cached_property
    def data(self) -> Dict[str, Any]:
        return yaml.safe_load(self.path.read_text(encoding="utf-8"))

    @functools.cached_property
    def patterns(self) -> List[re.Pattern]:
        return [re.compile(rf"(?<![\w'])(?:{p})(?![\w'])") for p in self.data["patterns"]]

    def matches(self, text: str) -> bool:
        clean = normalise(text or "")
        return any(p.search(clean) for p in self.patterns)
