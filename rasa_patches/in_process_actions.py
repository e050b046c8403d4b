"""The answers that must always reach a person, and the session start before them, run inside the
Rasa server, not on the action server.

A red flag's human-contact answer, the reply to the one safety check and a request for a person were
custom actions like any other: Rasa posted the whole conversation to the action server and waited.
When that process was down, slow, or refused the request (it did, for every conversation past about
20 messages, when its body limit was the public webhooks' 64 KB), the parent with a fever and a red,
hot breast got "I'm having trouble answering right now". A new conversation fared worse: its session
start failed, so no rule could match its first message at all. These actions are plain rasa_sdk
classes over `coach/` (no database, no network), so here the Rasa server runs them itself with
rasa_sdk's own executor: the same request Rasa would post, the same answer the action server would
give, read back by Rasa's own `RemoteAction` code. Every other custom action still goes to the action
server.

`install()` (from `components.message_guard`, like `rasa_patches.speed`) wraps Rasa's
`action_for_name_or_text`, which the processor asks for every action it runs.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, cast

import rasa.core.actions.action as rasa_actions
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events
from rasa_sdk.executor import ActionExecutor

from actions.safety import ActionHandleRedFlag, ActionHandoff, ActionNonEnglish, ActionResolveSafetyCheck
from actions.session import ActionSessionStart

# The actions a parent's safety depends on: the red-flag answer (or its one check), the check's
# answer, the way to a person, the reply to a language the assistant cannot read (it may hide a red
# flag, so it carries the numbers); and the session start, without which a new conversation's first
# message matches no rule (Rasa logs no action_listen before it).
IN_PROCESS_ACTIONS = (ActionHandleRedFlag, ActionResolveSafetyCheck, ActionHandoff, ActionNonEnglish,
                      ActionSessionStart)

_stock_action_for_name_or_text = rasa_actions.action_for_name_or_text
_executor: Optional[ActionExecutor] = None


def executor() -> ActionExecutor:
    """rasa_sdk's executor with only these actions registered (built once per process)."""
    global _executor
    if _executor is None:
        built = ActionExecutor()
        for action in IN_PROCESS_ACTIONS:
            built.register_action(action)
        _executor = built
    return _executor


class InProcessAction(RemoteAction):
    """A custom action run by rasa_sdk in this process; the rest is Rasa's RemoteAction."""

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[events.Event]:
        response = await executor().run(self._action_call_format(tracker, domain))
        result: Dict[Text, Any] = response or {"events": [], "responses": []}
        self._validate_action_result(result)
        bot_messages = await self._utter_responses(result.get("responses", []), output_channel, nlg, tracker)
        return cast(List[events.Event], bot_messages) + events.deserialise_events(result.get("events", []))


def action_for_name_or_text(action_name_or_text: Text, domain: Any, action_endpoint: Any) -> Any:
    action = _stock_action_for_name_or_text(action_name_or_text, domain, action_endpoint)
    if type(action) is RemoteAction and action_name_or_text in executor().actions:
        return InProcessAction(action_name_or_text, action_endpoint)
    return action


def install() -> None:
    """Run these actions in this process from now on (idempotent)."""
    rasa_actions.action_for_name_or_text = action_for_name_or_text


def uninstall() -> None:
    rasa_actions.action_for_name_or_text = _stock_action_for_name_or_text
