"""Fixes to the speed of Rasa 3.6, installed when the project's pipeline loads; none changes an answer.

Rasa checks every answer from the action server against a JSON schema with ``jsonschema.validate``.
That function first checks the schema itself against JSON Schema's meta-schema, on every call: with
jsonschema 4.17 (the version Rasa's pins give) this took about 40 ms of CPU per custom action call,
more than the rest of a message together (cProfile of `Agent.handle_message`; `make bench` figures
in docs/results.md). The schema never changes, so it is checked once here and a validator is built
once; answers are validated exactly as before, and an invalid answer still raises Rasa's own error
with its own message (the original method runs again to produce it).

The second fix is to reading a conversation back from the tracker store. Rasa finds each stored
event's class with `Event.resolve_by_type`, which walks every subclass of `Event` (and asks
`inspect.isabstract` of each) for every single event: with conversations of a few dozen events that
was the largest part of a tracker read, about 4 ms a message in a worker's profile (2026-11-29). The
classes do not change once imported, so the name-to-class table is built once; a name not in it
rebuilds it (a class imported later is still found), and an unknown name goes to Rasa's own method,
which answers exactly as before (None for the old "topic" events, the default, or Rasa's error).

The third is RulePolicy's search for the rules that fit the conversation, run for every predicted
action. Rasa checks every rule of the model against the conversation's last turn, then goes on
through every older turn, even once no rule could be ruled out any more. Here the rules are grouped
once by the previous action their last turn names (a rule that names one fits only a turn with that
previous action), and the search stops when no rule still in the running reaches further back. Each
remaining check is Rasa's own `_is_rule_applicable`, so the same rules are found
(`tests/integration/test_rule_search.py`); 120 messages made 104,235 checks before and 27,985 after.

`components.message_guard` imports this module, so it is installed wherever a model with the
project's pipeline is loaded (`rasa run`, `rasa test`, `Agent.load` in tests), and nowhere else:
the Rasa-default baseline that `make bench` compares against stays stock Rasa.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Text, Type

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.events import Event
from rasa.shared.nlu.constants import ACTION_NAME
from rasa.shared.utils.common import all_subclasses

_stock_validate = RemoteAction._validate_action_result
_stock_resolve_by_type = Event.resolve_by_type
_stock_get_possible_keys = RulePolicy._get_possible_keys


def _build_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # the one meta-schema check, at start-up
    return cls(schema)


_VALIDATOR = _build_validator()


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _VALIDATOR.validate(result)
    except ValidationError:
        return _stock_validate(self, result)  # raises Rasa's error, worded as Rasa words it
    return True


_EVENT_CLASSES: Dict[Text, Type[Event]] = {}


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    found = _EVENT_CLASSES.get(type_name)
    if found is None:
        for cls in all_subclasses(Event):
            _EVENT_CLASSES.setdefault(cls.type_name, cls)  # the first in Rasa's order wins, as in Rasa
        found = _EVENT_CLASSES.get(type_name)
    return found if found is not None else _stock_resolve_by_type(type_name, default)


class _RulesByLastAction:
    """A rule table's keys grouped by the previous action their last turn asks for.

    A rule whose last turn names a previous action can only apply when the conversation's last turn
    has that same previous action (Rasa's `_does_rule_match_state`); every other rule (no previous
    action named, or one that must not be set) is checked as before."""

    def __init__(self, policy: RulePolicy, lookup: Dict[Text, Text]) -> None:
        self.keys = set(lookup)
        self.by_action: Dict[Text, Set[Text]] = {}
        self.others: Set[Text] = set()
        for key in self.keys:
            turns = policy._rule_key_to_state(key)
            action = (turns[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME) if turns else None
            if action and action != SHOULD_NOT_BE_SET:
                self.by_action.setdefault(action, set()).add(key)
            else:
                self.others.add(key)

    def candidates(self, last_state: Dict[Text, Any]) -> Set[Text]:
        action = (last_state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
        return self.others | self.by_action.get(action, set()) if action else set(self.others)


# id(lookup) -> its grouping; checked against the table's keys at every use, so a table that changes
# (while Rasa trains) is grouped again instead of answered from a stale grouping.
_RULE_GROUPS: Dict[int, _RulesByLastAction] = {}


def _get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[Dict[Text, Any]]) -> Set[Text]:
    if not states:
        return set(lookup)
    groups = _RULE_GROUPS.get(id(lookup))
    if groups is None or groups.keys != lookup.keys():
        groups = _RULE_GROUPS[id(lookup)] = _RulesByLastAction(self, lookup)
    possible_keys = groups.candidates(states[-1])
    for turn, state in enumerate(reversed(states)):
        kept, longest = set(), 0
        for key in possible_keys:
            if self._is_rule_applicable(key, turn, state):
                kept.add(key)
                longest = max(longest, len(self._rule_key_to_state(key)))
        possible_keys = kept
        # Rasa's method goes on through every older state, but a rule of n turns applies to any state
        # n or more turns back: once no kept rule is longer than the next turn, nothing changes.
        if longest <= turn + 1:
            break
    return possible_keys


def install() -> None:
    """Replace the per-call schema check, the per-event class search and the rule search (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    RulePolicy._get_possible_keys = _get_possible_keys


def uninstall() -> None:
    """Put Rasa's own methods back (for measurements that compare against stock Rasa in one process)."""
    RemoteAction._validate_action_result = _stock_validate
    Event.resolve_by_type = staticmethod(_stock_resolve_by_type)
    RulePolicy._get_possible_keys = _stock_get_possible_keys
