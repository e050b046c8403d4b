"""The guidance knowledge base (``coach/knowledge/guidance.yml``): one place for every answer text.

Each entry names the article section it paraphrases; where official guidance is stricter the entry
carries it in ``official`` and the rendered answer puts it first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Union

import yaml

from coach import content

DEFAULT_PATH = content.table_path("guidance.yml")


class KnowledgeBaseError(ValueError):
    """The knowledge base file is malformed: caught by the tests and at action-server start."""


@dataclass(frozen=True)
class Entry:
    id: str
    topic: Optional[str]
    section: str  # key into the sections table
    section_title: str
    text: str
    official: Optional[str] = None

    def render(self, with_source: bool = True) -> str:
        parts = []
        if self.official:
            parts.append(content.text("guidance_official_first", official=self.official))
        parts.append(self.text)
        if with_source:
            parts.append(content.text("guidance_source", section=self.section_title))
        return "\n\n".join(parts)


@dataclass(frozen=True)
class KnowledgeBase:
    sections: Mapping[str, str]
    entries: Mapping[str, Entry]

    def entry(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def for_topic(self, intent: str) -> Optional[Entry]:
        return self.by_topic().get(intent)

    def by_topic(self) -> Dict[str, Entry]:
        return {e.topic: e for e in self.entries.values() if e.topic}


def load(path: Union[str, Path] = DEFAULT_PATH) -> KnowledgeBase:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("sections"), dict) or not isinstance(raw.get("entries"), dict):
        raise KnowledgeBaseError(f"{path}: expected mappings 'sections' and 'entries'")
    sections = {str(k): str(v) for k, v in raw["sections"].items()}
    entries: Dict[str, Entry] = {}
    seen_topics: Dict[str, str] = {}
    for entry_id, body in raw["entries"].items():
        if not isinstance(body, dict) or not str(body.get("text") or "").strip():
            raise KnowledgeBaseError(f"{path}: entry {entry_id!r} has no text")
        section = body.get("section")
        if section not in sections:
            raise KnowledgeBaseError(f"{path}: entry {entry_id!r} cites unknown section {section!r}")
        topic = body.get("topic")
        if topic and topic in seen_topics:
            raise KnowledgeBaseError(f"{path}: topic {topic!r} answered by both {seen_topics[topic]} and {entry_id}")
        if topic:
            seen_topics[topic] = entry_id
        entries[entry_id] = Entry(
            id=entry_id,
            topic=topic,
            section=section,
            section_title=sections[section],
            text=" ".join(str(body["text"]).split()),
            official=" ".join(str(body["official"]).split()) if body.get("official") else None,
        )
    return KnowledgeBase(sections, entries)


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return load()


_WEARABLE = re.compile(r"\b(wearables?|in[- ]?bra|hands[- ]?free|elvie|willow|momcozy|mom cozy|freemie|imani|eufy|cups?)\b")
_BRANDS = re.compile(r"\b(spectra|medela|lansinoh|elvie|willow|momcozy|ameda|motif|zomee|bellababy|haakaa|evenflo|philips|"
                     r"avent|tommee|baby ?buddha|eufy|freemie|imani|unimom|brand|brands|best pump|which pump|vs|versus)\b")


def extra_entries(intent: str, text: str) -> List[str]:
    """Entries added to a topic's answer for what the question names (wearables, brands)."""
    if intent != "ask_pump_choice":
        return []
    clean = text.lower()
    extra = []
    if _WEARABLE.search(clean):
        extra.append("pump_wearables")
    if _BRANDS.search(clean):
        extra.append("pump_brands")
    return extra
