"""Which facts a new conversation session keeps.

A session starts after an hour of silence (domain.yml, `session_expiration_time`) or, in a long
conversation, when the latest session is full (rasa_patches/session_size.py). After silence, only what
stays true from one day to the next carries over; troubleshooting answers do not (how pumping feels
today may differ from last week). A session that starts while the parent is still writing is the
same conversation going on, so everything carries over, the open question and form included.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional

from coach.vocabulary import (
    CHECKIN_DUE_SLOT,
    CHECKIN_FROM_SLOT,
    CHECKIN_OPEN_SLOT,
    RUNNER_UP_CAUSE_SLOT,
    SUSPECTED_CAUSE_SLOT,
)

# Facts about the person that stay true from one day to the next, and the pumping log, which is
# only useful over days.
DURABLE_SLOTS = ("privacy_notice_shown", "pump_type", "flange_size_mm", "pumping_log")
# While a check-in waits or its question is unanswered, what it asks about carries over too: the
# answer usually comes the next day, in a new session.
CHECKIN_SLOTS = (CHECKIN_DUE_SLOT, CHECKIN_FROM_SLOT, CHECKIN_OPEN_SLOT, SUSPECTED_CAUSE_SLOT, RUNNER_UP_CAUSE_SLOT)
# Rasa's own slot for the metadata of a session's first message: set anew by every session start.
SESSION_METADATA_SLOT = "session_started_metadata"


def continues_conversation(last_user_at: Optional[float], now: float, expiration_minutes: Optional[float]) -> bool:
    """Is a session that starts at ``now`` the same conversation going on (the parent wrote less than
    the expiration time ago)?"""
    if last_user_at is None or not expiration_minutes or expiration_minutes <= 0:
        return False
    return now - last_user_at < expiration_minutes * 60


def carried_slots(slots: Mapping[str, Any], continuing: bool) -> Dict[str, Any]:
    """The slot values a new session starts with, in a stable order."""
    if continuing:
        names: Iterable[str] = (name for name in slots if name != SESSION_METADATA_SLOT)
    else:
        checkin_waiting = slots.get(CHECKIN_DUE_SLOT) is not None or bool(slots.get(CHECKIN_OPEN_SLOT))
        names = DURABLE_SLOTS + (CHECKIN_SLOTS if checkin_waiting else ())
    return {name: slots[name] for name in names if slots.get(name) is not None}
