"""A fix to Rasa 3.6's handling of custom action answers, installed when the project's pipeline loads.

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

`components.message_guard` imports this module, so it is installed wherever a model with the
project's pipeline is loaded (`rasa run`, `rasa test`, `Agent.load` in tests), and nowhere else:
the Rasa-default baseline that `make bench` compares against stays stock Rasa.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text, Type

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_stock_validate = RemoteAction._validate_action_result
_stock_resolve_by_type = Event.resolve_by_type


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


def install() -> None:
    """Replace the per-call schema check and the per-event class search (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)


def uninstall() -> None:
    """Put Rasa's own methods back (for measurements that compare against stock Rasa in one process)."""
    RemoteAction._validate_action_result = _stock_validate
    Event.resolve_by_type = staticmethod(_stock_resolve_by_type)
