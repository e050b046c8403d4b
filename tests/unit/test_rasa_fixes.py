"""components/rasa_fixes.py: the action server's answers are validated as before, without the
meta-schema check on every call."""
import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from components import rasa_fixes

GOOD = {"events": [{"event": "slot", "name": "pump_type", "value": "wearable"}], "responses": [{"text": "hi"}]}
BAD = {"events": [{"event": "slot"}], "responses": "not a list"}


@pytest.fixture()
def action():
    rasa_fixes.install()
    yield RemoteAction("action_x", EndpointConfig(url="http://127.0.0.1:1/webhook"))
    rasa_fixes.install()


@pytest.fixture()
def meta_checks(monkeypatch):
    """Counts meta-schema checks made by any jsonschema validator class."""
    calls = []
    original = jsonschema.validators.Draft202012Validator.check_schema.__func__

    def counting(cls, schema, *args, **kwargs):
        calls.append(cls)
        return original(cls, schema, *args, **kwargs)

    for cls in {jsonschema.validators.validator_for(RemoteAction.action_response_format_spec()),
                jsonschema.validators.Draft202012Validator}:
        monkeypatch.setattr(cls, "check_schema", classmethod(counting))
    return calls


def test_a_valid_answer_passes_without_a_meta_schema_check(action, meta_checks):
    assert action._validate_action_result(GOOD) is True
    assert meta_checks == []


def test_stock_rasa_checks_the_schema_on_every_call(action, meta_checks):
    # What the fix removes: without it, each call re-checks the schema.
    rasa_fixes.uninstall()
    assert action._validate_action_result(GOOD) is True
    assert len(meta_checks) == 1


def test_an_invalid_answer_still_raises_rasas_own_error(action):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(BAD)
