"""Small readers of the rasa_sdk tracker shared by the action classes."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasa_sdk import Tracker

from coach.clinic import clinic
from coach.diagnosis import QUESTION_SLOTS
from coach.prompts import SLOT_BY_TEXT
from coach.vocabulary import RED_FLAG_SLOT

# A question that got no usable answer is put once more, then dropped: no loops at 2 am.
MAX_ASKS_PER_QUESTION = 2


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def just_heard_user(tracker: Tracker, form: str) -> bool:
    """Is ``form`` running on a fresh user message (not resuming after another action answered)?

    Rasa logs the form's own ActionExecuted before calling its validation action, so that event
    (and latest_action_name, which names the form) cannot tell the two cases apart; the action
    before it can.
    """
    silent = {form, "action_deactivate_loop"}  # steps that answer nothing (e.g. leaving one form for another)
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in silent:
            return event.get("name") == "action_listen"
    return False


def _current_session(tracker: Tracker) -> List[Dict[str, Any]]:
    events = list(tracker.events or [])
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1]:] if starts else events


def user_texts_this_session(tracker: Tracker) -> Iterator[str]:
    for event in _current_session(tracker):
        if event.get("event") == "user" and event.get("text"):
            yield event["text"]


def _questions_put(tracker: Tracker) -> List[str]:
    """The question slots the user was shown this session, one entry per time a question was shown.

    Counted from the bot's own messages: Rasa's form adds requested_slot events of its own while it
    validates, so those over-count.
    """
    return [
        SLOT_BY_TEXT[event["text"]]
        for event in _current_session(tracker)
        if event.get("event") == "bot" and event.get("text") in SLOT_BY_TEXT
    ]


def questions_asked(tracker: Tracker) -> List[str]:
    """Troubleshooting questions put to the user this session, in order, each once."""
    return [slot for slot in dict.fromkeys(_questions_put(tracker)) if slot in QUESTION_SLOTS]


def question_turns(tracker: Tracker) -> int:
    """How many troubleshooting questions the user was shown this session, re-asks included."""
    return sum(1 for slot in _questions_put(tracker) if slot in QUESTION_SLOTS)


def times_requested(tracker: Tracker, slot: str) -> int:
    """How often this question was shown this session (a re-ask after a muddled answer counts)."""
    return _questions_put(tracker).count(slot)


def answers(tracker: Tracker) -> Dict[str, Optional[str]]:
    return {slot: tracker.get_slot(slot) for slot in QUESTION_SLOTS}


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == entity]


def rule_flag_probability(tracker: Tracker) -> Optional[float]:
    """The red-flag model's reading of a message the phrase rules flagged, as the guard recorded it."""
    for entity in (tracker.latest_message or {}).get("entities", []):
        if entity.get("entity") == RED_FLAG_SLOT and isinstance(entity.get("confidence_entity"), (int, float)):
            return float(entity["confidence_entity"])
    return None


def last_user_at(tracker: Tracker) -> Optional[float]:
    """When the parent's latest message arrived (Rasa's timestamp), or None before any."""
    return next((e.get("timestamp") for e in reversed(tracker.events or []) if e.get("event") == "user"), None)


def local_now(tracker: Tracker) -> datetime:
    """The parent's local time for the latest message (naive datetime).

    The web chat sends the parent's own clock; other channels fall back to the message's time in the
    clinic's time zone.
    """
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    try:
        return datetime.fromisoformat(str(metadata["local_time"]))
    except (KeyError, ValueError):
        pass
    stamp = last_user_at(tracker)
    moment = datetime.fromtimestamp(stamp, timezone.utc) if stamp else datetime.now(timezone.utc)
    try:
        zone = ZoneInfo(clinic().timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).replace(tzinfo=None)
