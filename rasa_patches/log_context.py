"""Rasa's and Sanic's log lines in the project's one format, each naming its conversation (serving/logs.py).

Rasa's command line sets up logging of its own after the process has called ``serving.logs.configure``:
coloredlogs on the root logger, structlog rendering its own JSON, Sanic's console handlers; each of
those set-up functions is wrapped here to hand the records back (``serving.logs.adopt``). structlog is
set up again without the message text: the keys Rasa itself marks as content (``CONTENT_KEYS``) are
left out of every structlog line, whatever the level.

The conversation: ``Agent.handle_message`` (every channel's message, with its actions, answers and
lock) runs inside ``serving.logs.conversation``, as does each action server request
(``ActionExecutor.run``). Wrappers are taken at ``install()``, not at import, so they wrap the metrics
wrapper rather than replace it.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional, Tuple

from serving import logs

# The event keys rasa.utils.log_utils._anonymizer treats as what a person said or what was said to them.
CONTENT_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message",
})

_installed = {"server": False, "sdk": False}


def _to_stdlib(_: Any, __: str, event: Dict[str, Any]) -> Tuple[Tuple[str], Dict[str, Any]]:
    """The last structlog processor: one plain message for the stdlib logger, whose handler formats it."""
    exc_info = event.pop("exc_info", None)
    parts = [str(event.pop("event", ""))]
    parts += [f"{key}=[not logged]" if key in CONTENT_KEYS else f"{key}={value!r}" for key, value in event.items()]
    return (" ".join(parts),), ({"exc_info": exc_info} if exc_info else {})


def _configure_structlog(log_level: Optional[int] = None) -> None:
    import structlog

    if log_level is None:
        log_level = logging.getLevelName(os.environ.get("LOG_LEVEL", "INFO"))
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, structlog.contextvars.merge_contextvars,
                    structlog.processors.UnicodeDecoder(), _to_stdlib],
        context_class=dict, logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(log_level if isinstance(log_level, int) else logging.INFO),
        cache_logger_on_first_use=True)


def _then_adopt(stock: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = stock(*args, **kwargs)
        logs.adopt()
        return result
    return wrapper


def _logging_setup() -> None:
    """Rasa's command line (``rasa`` and ``rasa run actions``): its set-up steps hand the records back."""
    import rasa.__main__
    import rasa.utils.io

    rasa.utils.io.configure_colored_logging = _then_adopt(rasa.utils.io.configure_colored_logging)
    stock_structlog = rasa.__main__.configure_structlog

    def configure_structlog(log_level: Optional[int] = None) -> None:
        stock_structlog(log_level)
        _configure_structlog(log_level)
        logs.adopt()

    rasa.__main__.configure_structlog = configure_structlog


def install() -> None:
    """The Rasa server's side (``rasa_patches.install``)."""
    if _installed["server"]:
        return
    import rasa.utils.common
    from rasa.core.agent import Agent

    _logging_setup()
    rasa.utils.common.update_sanic_log_level = _then_adopt(rasa.utils.common.update_sanic_log_level)
    stock_handle_message = Agent.handle_message

    async def handle_message(self: Agent, message: Any) -> Any:
        with logs.conversation(getattr(message, "sender_id", None)):
            return await stock_handle_message(self, message)

    Agent.handle_message = handle_message  # type: ignore[method-assign]
    _installed["server"] = True


def install_action_server() -> None:
    """The action server's side: without the Rasa server's patches, which would import TensorFlow."""
    if _installed["sdk"]:
        return
    import rasa_sdk.utils
    from rasa_sdk.executor import ActionExecutor

    _logging_setup()
    rasa_sdk.utils.configure_colored_logging = _then_adopt(rasa_sdk.utils.configure_colored_logging)
    rasa_sdk.utils.update_sanic_log_level = _then_adopt(rasa_sdk.utils.update_sanic_log_level)
    stock_run = ActionExecutor.run

    async def run(self: ActionExecutor, action_call: Dict[str, Any]) -> Any:
        with logs.conversation(action_call.get("sender_id") if isinstance(action_call, dict) else None):
            return await stock_run(self, action_call)

    ActionExecutor.run = run  # type: ignore[method-assign]
    _installed["sdk"] = True
