"""Does a message ask to reach a person? Read from coach/knowledge/person_requests.yml."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, List

import yaml

from coach.safety import normalise

DATA = Path(__file__).parent / "knowledge" / "person_requests.yml"


@functools.lru_cache(maxsize=1)
def load() -> Dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _patterns() -> List[re.Pattern]:
    return [re.compile(rf"(?<![\w'])(?:{p})(?![\w'])") for p in load()["patterns"]]


def asks_for_a_person(text: str) -> bool:
    clean = normalise(text or "")
    return any(p.search(clean) for p in _patterns())
