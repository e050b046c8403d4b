"""A conversation session also ends when it has grown long, not only after an hour of silence.

Rasa reads a conversation's latest session from the tracker store for every message, replays it,
builds the dialogue states from it and (for each custom action) posts all of it to the action server.
A parent who keeps one session going (the pumping log several times an hour, a string of questions)
made every message cost more than the last: 20 ms at message 3, 130 ms at message 300, with 2,000
events in the session (one conversation through the real servers, 2026-12-07). Rasa's own way to
bound what is read is the session, so the processor's "has the session expired?" also says yes once
the session holds `MAX_SESSION_EVENTS` events. `action_session_start` (actions/session.py) sees that
the parent wrote moments ago and carries every slot and the open form into the new session, so the
conversation goes on where it was; the review app reads every session and still shows all of it.

Not while a person from the clinic holds the chat: a new session would end Rasa's pause.
"""
from __future__ import annotations

from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

# Events in one session before the next message starts a new one. A message adds about 6.5 events,
# so this is about 20 messages. Every message reads the session once and posts it to the action
# server for each custom action, so its time grows with this number; 150 keeps the slowest messages
# of a long conversation within 1.5 times those of message 10 (eval/long_conversation.py), and a
# troubleshooting run (about 10 answers) usually fits in one session.
MAX_SESSION_EVENTS = 150

_stock_has_session_expired = MessageProcessor._has_session_expired


def session_is_full(tracker: DialogueStateTracker, limit: int = MAX_SESSION_EVENTS) -> bool:
    """Has the session in ``tracker`` (as the tracker store loads it: the latest session) reached ``limit``
    events, with no person from the clinic holding the chat?"""
    return len(tracker.events) >= limit and not tracker.is_paused()


def _has_session_expired(self: MessageProcessor, tracker: DialogueStateTracker) -> bool:
    if _stock_has_session_expired(self, tracker):
        return True
    return self.domain.session_config.are_sessions_enabled() and session_is_full(tracker)


def install() -> None:
    """Start a new session when the latest one is full (idempotent)."""
    MessageProcessor._has_session_expired = _has_session_expired  # type: ignore[method-assign]


def uninstall() -> None:
    MessageProcessor._has_session_expired = _stock_has_session_expired  # type: ignore[method-assign]

