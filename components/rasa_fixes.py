"""A fix to Rasa 3.6's handling of custom action answers, installed when the project's pipeline loads.

Rasa checks every answer from the action server against a JSON schema with ``jsonschema.validate``.
That function first checks the schema itself against JSON Schema's meta-schema, on every call: with
jsonschema 4.17 (the version Rasa's pins give) this took about 40 ms of CPU per custom action call,
more than the rest of a message together (cProfile of `Agent.handle_message`; `make bench` figures
in docs/results.md). The schema never changes, so it is checked once here and a validator is built
once; answers are validated exactly as before, and an invalid answer still raises Rasa's own error
with its own message (the original method runs again to produce it).

`components.message_guard` imports this module, so it is installed wherever a model with the
project's pipeline is loaded (`rasa run`, `rasa test`, `Agent.load` in tests), and nowhere else:
the Rasa-default baseline that `make bench` compares against stays stock Rasa.
"""
from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_stock_validate = RemoteAction._validate_action_result


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


def install() -> None:
    """Replace the per-call schema check (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result


def uninstall() -> None:
    """Put Rasa's own method back (for measurements that compare against stock Rasa in one process)."""
    RemoteAction._validate_action_result = _stock_validate
