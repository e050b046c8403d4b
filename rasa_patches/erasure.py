"""Erase a conversation right after the assistant confirmed it to the parent (channels/erasure.py).

Rasa saves each turn at the end of ``MessageProcessor.handle_message``, inside the conversation's
lock. Deleting earlier (in an action) would let that save write the turn back; so the save is watched
(``save_tracker``) and, when the saved turn ended with `utter_erased`, the conversation is erased
after ``handle_message`` returns, still under the lock, before the next message of the parent.
"""
from __future__ import annotations

import contextvars
from typing import Any, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.erasure import forget_conversation
from coach.vocabulary import ERASED_RESPONSE

_stock_handle_message = MessageProcessor.handle_message
_stock_save_tracker = MessageProcessor.save_tracker
_saved: contextvars.ContextVar[Optional[DialogueStateTracker]] = contextvars.ContextVar("saved", default=None)


def erase_was_confirmed(tracker: DialogueStateTracker) -> bool:
    """The latest turn (since the parent's last message) said `utter_erased`."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == ERASED_RESPONSE:
            return True
    return False


async def _save_tracker(self: MessageProcessor, tracker: DialogueStateTracker) -> None:
    await _stock_save_tracker(self, tracker)
    _saved.set(tracker)


async def _handle_message(self: MessageProcessor, message: UserMessage) -> Optional[Any]:
    _saved.set(None)
    result = await _stock_handle_message(self, message)
    tracker = _saved.get()
    if tracker is not None and tracker.sender_id == message.sender_id and erase_was_confirmed(tracker):
        forget_conversation(self.tracker_store, message.sender_id)
    return result


def install() -> None:
    MessageProcessor.handle_message = _handle_message  # type: ignore[method-assign]
    MessageProcessor.save_tracker = _save_tracker  # type: ignore[method-assign]


def uninstall() -> None:
    MessageProcessor.handle_message = _stock_handle_message  # type: ignore[method-assign]
    MessageProcessor.save_tracker = _stock_save_tracker  # type: ignore[method-assign]
