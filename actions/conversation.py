"""Small readers of the rasa_sdk tracker shared by the action classes."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from rasa_sdk import Tracker

from actions.diagnosis import QUESTION_SLOTS

REQUESTED_SLOT = "requested_slot"


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _current_session(tracker: Tracker) -> List[Dict[str, Any]]:
    events = list(tracker.events or [])
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1]:] if starts else events


def user_texts_this_session(tracker: Tracker) -> Iterator[str]:
    for event in _current_session(tracker):
        if event.get("event") == "user" and event.get("text"):
            yield event["text"]


def questions_asked(tracker: Tracker) -> List[str]:
    """Troubleshooting questions put to the user this session, in order, each once."""
    asked: List[str] = []
    for event in _current_session(tracker):
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT:
            value = event.get("value")
            if value in QUESTION_SLOTS and value not in asked:
                asked.append(value)
    return asked


def answers(tracker: Tracker) -> Dict[str, Optional[str]]:
    return {slot: tracker.get_slot(slot) for slot in QUESTION_SLOTS}


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == entity]
