"""rasa_patches/speed.py: the action server's answers are validated as before, without the
meta-schema check on every call."""
import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from rasa_patches import speed

GOOD = {"events": [{"event": "slot", "name": "pump_type", "value": "wearable"}], "responses": [{"text": "hi"}]}
BAD = {"events": [{"event": "slot"}], "responses": "not a list"}


@pytest.fixture()
def action():
    speed.install()
    yield RemoteAction("action_x", EndpointConfig(url="http://127.0.0.1:1/webhook"))
    speed.install()


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
    speed.uninstall()
    assert action._validate_action_result(GOOD) is True
    assert len(meta_checks) == 1


def test_an_invalid_answer_still_raises_rasas_own_error(action):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(BAD)


def test_event_classes_resolve_as_rasa_resolves_them():
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    speed.install()
    fixed = Event.resolve_by_type
    for cls in all_subclasses(Event):
        assert fixed(cls.type_name) is speed._stock_resolve_by_type(cls.type_name), cls.type_name
    assert fixed("topic") is None  # Rasa's answer for the old TopicSet events
    assert fixed("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        fixed("no_such_event")


def test_an_event_class_defined_later_is_found():
    from rasa.shared.core.events import Event, SlotSet

    speed.install()
    Event.resolve_by_type("slot")  # the table exists now

    class LateEvent(SlotSet):
        type_name = "pumping_coach_late_event"

    assert Event.resolve_by_type("pumping_coach_late_event") is LateEvent


def test_stored_conversations_read_back_the_same_events():
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    speed.install()
    events = [UserUttered("hi", {"name": "greet", "confidence": 0.9}), ActionExecuted("action_listen"),
              SlotSet("pump_type", "manual")]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


def test_the_patches_refuse_a_rasa_they_were_not_written_for():
    import rasa_patches

    rasa_patches.check_rasa_version()  # the pinned Rasa passes
    with pytest.raises(rasa_patches.UnsupportedRasaVersion, match=r"written for Rasa 3\.6\.21, but Rasa 3\.7\.0"):
        rasa_patches.check_rasa_version("3.7.0")


def test_the_command_line_stops_with_a_clear_message_on_another_rasa():
    import subprocess
    import sys

    code = ("import rasa.version; rasa.version.__version__ = '3.7.0'; import sys; sys.argv = ['rasa', '--version']; "
            "from rasa_patches.__main__ import main; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "written for Rasa 3.6.21, but Rasa 3.7.0 is installed" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_line_runs_rasa_with_the_patches():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "rasa_patches", "--version"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0 and "Rasa Version" in result.stdout and "3.6.21" in result.stdout
