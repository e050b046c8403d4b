"""The NLU guard's overrides, on real Rasa Message objects."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from components.message_guard import MessageGuard, looks_non_english, reports_low_output


def guarded(text: str, intent: str = "greet", confidence: float = 0.95) -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": []})
    MessageGuard().process([message])
    return message


def test_red_flag_overrides_a_confident_classifier():
    message = guarded("fever and a red painful lump in my breast", intent="ask_engorgement", confidence=0.99)
    assert message.get("intent") == {"name": "report_red_flag", "confidence": 1.0}
    assert [e["value"] for e in message.get("entities") if e["entity"] == "red_flag"] == ["mastitis"]
    assert message.get("intent_ranking")[0]["name"] == "report_red_flag"


def test_red_flag_wins_over_other_languages():
    assert guarded("hola, i want to die").get("intent")["name"] == "report_red_flag"


@pytest.mark.parametrize("text", ["hola no me sale leche con el sacaleches", "Ich habe keine Milch, was kann ich tun",
                                  "母乳が出ません", "مرحبا لا يخرج الحليب"])
def test_other_languages(text):
    assert looks_non_english(text)
    assert guarded(text, intent="report_low_output").get("intent")["name"] == "non_english"


@pytest.mark.parametrize("text", ["my pump gives nothing", "ok 👍", "EP mama, LO is 3 wks", "la leche league said hi"])
def test_english_stays_english(text):
    assert not looks_non_english(text)


def test_low_output_report_filed_under_a_cause_goes_to_troubleshooting():
    message = guarded("breasts feel full but nothing comes out when i pump", intent="ask_let_down")
    assert message.get("intent")["name"] == "report_low_output"


def test_a_plain_cause_question_is_left_alone():
    assert guarded("how do i trigger let down", intent="ask_let_down").get("intent")["name"] == "ask_let_down"
    assert guarded("pumping hurts a little", intent="ask_flange_fit").get("intent")["name"] == "ask_flange_fit"
    assert not reports_low_output("what suction should i use")


def test_empty_text_is_left_alone():
    assert guarded("", intent="greet").get("intent")["name"] == "greet"


def test_only_get_drops_is_a_low_output_report():
    message = guarded("i dread every pumping session at work, only get drops", intent="express_pumping_stress")
    assert message.get("intent")["name"] == "report_low_output"


def test_amounts_reported_under_any_topic_start_the_troubleshooting():
    assert guarded("i dread pumping, at work i get like 15ml", intent="out_of_scope").get("intent")["name"] == "report_low_output"
    assert guarded("i pump like 15 ml total", intent="ask_engorgement").get("intent")["name"] == "report_low_output"


def test_storage_questions_and_requests_for_a_person_keep_their_intent():
    storage = guarded("i only get 2 oz, how long can it stay in the fridge", intent="ask_milk_storage")
    assert storage.get("intent")["name"] == "ask_milk_storage"
    human = guarded("only drops when i pump, let me talk to a nurse", intent="request_human")
    assert human.get("intent")["name"] == "request_human"


@pytest.mark.parametrize("text, intent", [
    ("pmped at 2am, bottle on the nitestand, its 5 now still ok??", "report_low_output"),
    ("the bag sat in the diaper bag since lunch, can i still use it", "nlu_fallback"),
    ("she drank some of it an hour ago, can i give her the rest now", "inform"),
])
def test_a_kept_batch_of_milk_filed_elsewhere_goes_to_the_storage_form(text, intent):
    assert guarded(text, intent=intent).get("intent")["name"] == "ask_milk_storage"


@pytest.mark.parametrize("text", [
    "how do i build a freezer stash when i only pump once a day",
    "can i keep the pump parts in the fridge between sessions?",
    "yes i pump at work and keep it in the office fridge",
])
def test_storage_words_without_a_kept_batch_question_are_left_alone(text):
    assert guarded(text, intent="ask_pump_choice").get("intent")["name"] == "ask_pump_choice"


def test_the_classifier_alone_cannot_file_a_message_under_the_log():
    message = guarded('inform{"red_flag": null}', intent="correct_log_entry")
    assert message.get("intent")["name"] != "correct_log_entry"
    assert guarded("pumped 45 ml at 6am", intent="inform").get("intent")["name"] == "log_pumping"


@pytest.mark.parametrize("text", ["asdkj qwpoe zzxv", "qqq www eee rrr", "xyzzy plugh"])
def test_gibberish_is_a_fallback_however_sure_the_classifier_is(text):
    assert guarded(text, intent="inform", confidence=0.99).get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["👍", "24", "haakaa", "my pmup gvies nothng", "spectra s2", "ok"])
def test_short_or_misspelt_messages_are_not_gibberish(text):
    from components.message_guard import looks_like_gibberish

    assert not looks_like_gibberish(text)


def test_a_stored_milk_question_the_classifier_filed_as_a_log_reaches_the_storage_form():
    # The log intent falls (no amount to log), and the question is still weighed as a topic.
    text = "pumped at the office around 8, it sat in the work fridge all day, home at 5pm now. ok to give it tonight?"
    message = Message(data={"text": text, "intent": {"name": "log_pumping", "confidence": 0.32},
                            "intent_ranking": [{"name": "log_pumping", "confidence": 0.32},
                                               {"name": "ask_power_pumping", "confidence": 0.17}]})
    MessageGuard.guard(message)
    assert message.get("intent")["name"] == "ask_milk_storage"


@pytest.mark.parametrize("text, intent, step", [
    ("i have a fever and my breast is red and hot", "greet", "red-flag rule: mastitis"),
    ("how often should i pump at work", "ask_session_length", "classifier: 0.95"),
    ("asdkj qwpoe zzxv", "inform", "no known word"),
    ("pumped 45 ml at 6am", "inform", "pumping-log words"),
])
def test_the_step_that_decided_is_recorded_with_the_message(text, intent, step):
    decided = guarded(text, intent=intent).get("decided_by")
    assert f"{decided['step']}: {decided['detail']}".rstrip(": ") == step


def test_a_suspicion_names_the_reader_that_had_it():
    decided = guarded("he stays asleep at the breast and i cant get more than 10 ml into him all day, 9 days old",
                      intent="ask_pump_choice").get("decided_by")
    assert decided["step"] in ("red-flag model", "sentence encoder") and decided["detail"].startswith("baby_unwell, ")
