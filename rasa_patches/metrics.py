"""Counts for the assistant's Prometheus metrics (serving/metrics.py), taken where Rasa handles a message.

Two wrappers, because neither place alone sees everything: ``Agent.handle_message`` knows the channel
and how long the whole message took (reading, deciding, answering, saving), and whether it raised;
``MessageProcessor._run_prediction_loop`` is handed the conversation, so what it adds to it (the
human-contact answer, a safety check, the fallback) can be counted from the events themselves.
"""
from __future__ import annotations

import itertools
import time
from typing import Any, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from serving import metrics

_stock_handle_message = Agent.handle_message
_stock_run_prediction_loop = MessageProcessor._run_prediction_loop


async def _handle_message(self: Agent, message: UserMessage) -> Optional[Any]:
    started = time.perf_counter()
    failed = True
    try:
        result = await _stock_handle_message(self, message)
        failed = False
        return result
    finally:
        metrics.count_message(message.input_channel, time.perf_counter() - started, failed)


async def _run_prediction_loop(self: MessageProcessor, output_channel: OutputChannel,
                               tracker: DialogueStateTracker) -> None:
    before = len(tracker.events)
    try:
        await _stock_run_prediction_loop(self, output_channel, tracker)
    finally:
        metrics.count_turn(itertools.islice(tracker.events, before, None))


def install() -> None:
    Agent.handle_message = _handle_message  # type: ignore[method-assign]
    MessageProcessor._run_prediction_loop = _run_prediction_loop  # type: ignore[method-assign]


def uninstall() -> None:
    Agent.handle_message = _stock_handle_message  # type: ignore[method-assign]
    MessageProcessor._run_prediction_loop = _stock_run_prediction_loop  # type: ignore[method-assign]
