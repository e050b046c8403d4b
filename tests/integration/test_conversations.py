"""Whole conversations through the real Rasa server, action server and SQLite tracker store."""
import pytest

from coach.clinic import clinic
from coach.knowledge import knowledge_base
from coach.prompts import PROMPTS
from coach.replies import PRIVACY_NOTICE, STOPPED
from harness.conversation import Conversation

DIAGNOSIS_MARK = "most likely going on"



def run_troubleshooting(chat: Conversation, opening: str, persona: dict, limit: int = 10) -> int:
    """Answer each question from the persona's own words; return how many distinct questions were asked.

    A question may come twice in a row (once more after an answer the bot could not read).
    """
    chat.say(opening)
    asked = []
    for _ in range(limit):
        if DIAGNOSIS_MARK in chat.text:
            return len(set(asked))
        slot = chat.asked_question()
        assert slot is not None, f"neither a question nor a diagnosis: {chat.text!r}"
        assert slot not in asked or asked[-1] == slot, f"asked {slot} again after moving on"
        asked.append(slot)
        chat.say(persona.get(slot, "not sure"))
    raise AssertionError(f"no diagnosis after {limit} answers; asked {asked}")


# Parents who talk the way people do; each has a true cause the assistant should find.
PERSONAS = [
    ("pump", "i have a cheap manual pump and get barely half an ounce, baby nurses great tho",
     {"nursing_goes_well": "yeah she feeds fine at the breast", "baby_gaining_well": "yes gaining well",
      "pumping_pain": "no pain", "breasts_feel_full": "not really, soft", "milk_flow_starts": "yes it sprays a bit",
      "pumping_feelings": "its fine", "suction_level": "medium", "flange_size": "24mm"}),
    ("parts_settings", "pumping hurts so much and almost nothing comes out, using the 21mm flanges on max suction",
     {"nursing_goes_well": "yes", "baby_gaining_well": "yep", "pump_type": "spectra s1",
      "breasts_feel_full": "kinda", "milk_flow_starts": "a little", "pumping_feelings": "ok"}),
    ("anxiety", "i dread every pumping session at work, only get drops but LO gains well",
     {"nursing_goes_well": "nursing is totally fine", "baby_gaining_well": "yes", "pumping_pain": "doesnt hurt",
      "breasts_feel_full": "yes they feel full", "milk_flow_starts": "no, just drips",
      "pump_type": "medela pump in style", "suction_level": "normal", "flange_size": "27mm"}),
    ("let_down", "my boobs feel full and heavy but when i pump nothing comes out",
     {"nursing_goes_well": "yes", "baby_gaining_well": "yes", "pumping_pain": "no its comfortable",
      "milk_flow_starts": "no it never sprays, only drips", "pumping_feelings": "im calm about it",
      "pump_type": "electric double pump", "suction_level": "medium", "flange_size": "24 mm"}),
    ("supply", "why is nothing coming out when i pump",
     {"nursing_goes_well": "no nursing is hard too, she fusses", "baby_gaining_well": "not sure",
      "pumping_pain": "no", "breasts_feel_full": "no they always feel soft", "milk_flow_starts": "not sure",
      "pump_type": "hospital grade rental", "pumping_feelings": "fine", "suction_level": "medium"}),
    ("pump", "Little or no milk when I pump",
     {"pump_type": "its a wearable one, the momcozy", "nursing_goes_well": "EBF and she does great",
      "pumping_pain": "nope", "baby_gaining_well": "doc is happy with her weight", "breasts_feel_full": "no",
      "milk_flow_starts": "yes", "pumping_feelings": "im fine with it", "suction_level": "medium",
      "flange_size": "the 24s"}),
    ("parts_settings", "flange rubs and my nipple turns white, barely get 1oz",
     {"pumping_pain": "yes its painful", "flange_size": "19mm", "suction_level": "i crank it up to max",
      "nursing_goes_well": "fine", "baby_gaining_well": "yes", "pump_type": "spectra",
      "breasts_feel_full": "kinda full", "milk_flow_starts": "some spraying", "pumping_feelings": "ok"}),
    ("anxiety", "i hate pumping so much, i sit there watching the bottles and nothing comes out",
     {"nursing_goes_well": "at the breast he's happy", "baby_gaining_well": "chunky boy, gaining well",
      "pumping_pain": "no pain", "breasts_feel_full": "yeah full", "milk_flow_starts": "no",
      "pumping_feelings": "I hate it", "pump_type": "medela", "suction_level": "normal", "flange_size": "24mm"}),
    ("let_down", "when i pump it takes forever and only drips, even though im leaking at home",
     {"breasts_feel_full": "yes they are hard and full", "milk_flow_starts": "No, only drips",
      "pumping_pain": "comfortable", "pumping_feelings": "calm", "nursing_goes_well": "yes", "baby_gaining_well": "yes",
      "pump_type": "electric", "suction_level": "medium", "flange_size": "27 mm"}),
    ("supply", "EP mama here, pumping 8x a day and only getting 2oz total",
     {"nursing_goes_well": "I only pump", "baby_gaining_well": "not sure", "breasts_feel_full": "never feel full",
      "milk_flow_starts": "not sure", "pumping_pain": "no", "pump_type": "hospital grade", "pumping_feelings": "fine",
      "suction_level": "medium", "flange_size": "24mm"}),
    # The pain here is the hand's, not the flange's; and a "no" to the rub-or-marks question is a good fit.
    ("pump", "half an hour squeezing my hand pump for 15ml and my wrist is killing me. she feeds great from me",
     {"flange_fit": "no", "pumping_pain": "not on my boobs no", "breasts_feel_full": "yes still heavy after",
      "milk_flow_starts": "a couple of squirts then drips", "pumping_feelings": "meh its fine",
      "baby_gaining_well": "yes", "breasts_ever_full": "yes most mornings", "away_from_baby": "no im home",
      "suction_level": "as hard as i can squeeze", "flange_size": "24"}),
]


@pytest.mark.parametrize("cause, opening, persona", PERSONAS, ids=[p[0] for p in PERSONAS])
def test_troubleshooting_finds_the_cause(chat, question_counts, cause, opening, persona):
    asked = run_troubleshooting(chat, opening, persona)
    question_counts.append(asked)
    assert asked <= 6
    slots = chat.slots()
    assert slots["suspected_cause"] == cause, chat.text
    assert slots["troubleshooting_status"] == "done"
    assert knowledge_base().entry(f"cause_{cause}").text in chat.text


def test_first_contact_shows_the_privacy_notice_once(chat):
    chat.say("hello")
    assert PRIVACY_NOTICE in chat.text
    assert "Little or no milk when I pump" in chat.buttons
    chat.say("hi again")
    assert PRIVACY_NOTICE not in chat.text


def test_what_was_said_in_the_opening_is_not_asked_again(chat):
    chat.say("my manual pump pinches and gives almost nothing")
    stored = chat.slots()
    assert stored["pump_type"] == "manual" and stored["pumping_pain"] == "painful"
    assert chat.asked_question() not in ("pump_type", "pumping_pain", None)


def test_button_taps_answer_questions(chat):
    chat.say("Little or no milk when I pump")
    slot = chat.asked_question()
    title, value = PROMPTS[slot].options[0]
    assert title in chat.buttons
    chat.say(title)
    assert chat.slots()[slot] == value


def test_red_flag_mid_troubleshooting_interrupts_with_clinic_contacts(chat):
    chat.say("help, barely any milk when i pump")
    assert chat.asked_question()
    chat.say("also i have a fever and chills and a red hot painful lump in my breast")
    assert clinic().phone in chat.text and clinic().emergency_number in chat.text
    slots = chat.slots()
    assert slots["red_flag"] == "mastitis"
    assert chat.asked_question() is None  # the form stepped aside
    assert "Continue the pumping questions" in chat.buttons


@pytest.mark.parametrize(
    "text, flag",
    [
        ("my nipples are cracked and bleeding", "nipple_damage"),
        ("baby only had two wet diapers today and is super sleepy", "infant"),
        ("i keep thinking everyone would be better off without me", "mental_health"),
    ],
)
def test_red_flags_outside_troubleshooting(chat, text, flag):
    chat.say(text)
    assert chat.slots()["red_flag"] == flag
    assert clinic().phone in chat.text
    if flag == "mental_health":
        assert clinic().crisis_line in chat.text


def test_topic_question_mid_troubleshooting_then_the_form_continues(chat):
    chat.say("pump output is terrible")
    first = chat.asked_question()
    chat.say("is coconut oil ok to put on the flanges")
    assert knowledge_base().entry("lubricant").text in chat.text
    assert chat.asked_question() == first  # and back to where we were


def test_storage_detour_and_back_keeps_earlier_answers(chat):
    chat.say("i only get drops when i pump")
    first = chat.asked_question()
    title, value = PROMPTS[first].options[0]
    chat.say(title)
    chat.say("wait, i left pumped milk on the counter for 5 hours, is it still ok?")
    assert "throw it away" in chat.text.lower()
    assert chat.slots()["storage_verdict"] == "throw_away"
    assert "Continue the pumping questions" in chat.buttons
    chat.say("Continue the pumping questions")
    assert chat.asked_question() not in (first, None)
    assert chat.slots()[first] == value


def test_stop_and_resume(chat):
    chat.say("little or no milk when i pump")
    chat.say("stop, not now")
    assert STOPPED in chat.text
    assert chat.slots()["troubleshooting_status"] == "stopped"
    chat.say("Continue the pumping questions")
    assert chat.asked_question() is not None


def test_storage_verdict_asks_for_the_missing_fact(chat):
    # 2 pm: thawed this morning (read as 8 am) is 6 hours: past the limit out, fine in the fridge, so
    # the place decides and is asked.
    now = {"local_time": "2026-11-27T14:00"}
    chat.say("thawed milk from this morning, still good?", metadata=now)
    assert PROMPTS["storage_place"].text in chat.text
    chat.say("in the fridge", metadata=now)
    assert "fine to use" in chat.text.lower()
    slots = chat.slots()
    assert slots["storage_place"] == "fridge" and slots["milk_state"] == "thawed" and slots["storage_hours"] == 6
    assert "CDC" in chat.text


def test_storage_verdict_needs_no_question_when_every_answer_gives_the_same(chat):
    # Thawed yesterday (midday) is 26 hours at 2 pm: past every limit for thawed milk, wherever it was.
    chat.say("thawed milk from yesterday, still good?", metadata={"local_time": "2026-11-27T14:00"})
    assert chat.asked_question() is None
    assert "throw it away" in chat.text.lower()
    assert chat.slots()["storage_verdict"] == "throw_away"


def test_general_storage_question_gets_official_figures_first(chat):
    chat.say("how long does breast milk keep in the freezer")
    entry = knowledge_base().entry("milk_storage")
    assert chat.text.index(entry.official) < chat.text.index(entry.text)


@pytest.mark.parametrize(
    "text, entry",
    [
        ("which pump should i buy, manual or electric?", "pump_choice"),
        ("what flange size should i be using", "flange_fit"),
        ("how do i get a letdown while pumping", "let_down"),
        ("how often should i wash my pump parts", "cleaning"),
        ("how long should each pumping session be", "session_length"),
        ("should i try power pumping to boost supply", "power_pumping"),
        ("should i pump when im engorged", "engorgement"),
        ("is higher suction better", "suction"),
        ("when should i see a lactation consultant", "lactation_consultant"),
    ],
)
def test_topic_questions_get_knowledge_base_answers(chat, text, entry):
    chat.say(text)
    assert knowledge_base().entry(entry).text in chat.text


def test_asking_for_a_person(chat):
    chat.say("can i talk to a real person please")
    assert clinic().phone in chat.text
    assert chat.slots()["handoff_requested"] is True


def test_other_languages_get_an_english_only_answer(chat):
    chat.say("hola, no me sale leche cuando uso el sacaleches")
    assert "only understand English" in chat.text


def test_bot_challenge(chat):
    chat.say("am i talking to a real human?")
    assert "chatbot" in chat.text


# --- Understanding parents as they write (issue: answers, hedges and near-miss red flags) ----------------
ADVICE_END = "please don't wait on me for this one"


@pytest.mark.parametrize(
    "text",
    [
        "my baby has plenty of wet nappies, i just want to pump more",
        "no fever or redness, just a tiny amount in the bottles",
        "the flange leaves a red ring that fades after a few minutes",
        "this pump is killing me, so slow",
    ],
)
def test_harmless_messages_get_no_alarm_and_no_check(chat, text):
    chat.say(text)
    assert ADVICE_END not in chat.text
    assert "Just to be safe:" not in chat.text
    assert chat.slots().get("red_flag") is None


def test_hedges_mid_troubleshooting_are_answers_not_alarms(chat):
    chat.say("Little or no milk when I pump")
    for reply in ("sometimes yes sometimes no", "not sure", "i wouldnt say i hate it, its just boring"):
        first = chat.asked_question()
        assert first is not None
        chat.say(reply)
        assert "didn't catch that" not in chat.text
        assert ADVICE_END not in chat.text and "Just to be safe:" not in chat.text
        if DIAGNOSIS_MARK in chat.text:
            break
        assert chat.asked_question() != first  # moved on
    assert chat.slots().get("red_flag") is None


def test_pain_in_the_hand_is_not_read_as_pumping_pain(chat):
    chat.say("after 20 min on my manual pump my hand is killing me and i get barely 10ml")
    slots = chat.slots()
    assert slots["pump_type"] == "manual" and slots.get("pumping_pain") is None
    assert chat.asked_question() is not None  # not settled on flange or suction trouble from the hand's pain


def test_what_the_opening_says_fills_answers_before_the_first_question(chat):
    chat.say("i only get like 20 ml when i pump at work, my breasts still feel full")
    slots = chat.slots()
    assert slots["breasts_feel_full"] == "yes" and slots["away_from_baby"] == "yes"
    assert chat.asked_question() not in ("breasts_feel_full", "away_from_baby", None)


def test_a_soft_sign_of_low_mood_gets_a_gentle_check_with_the_crisis_line(chat):
    chat.say("honestly i feel numb most days and i can't cope")
    assert clinic().crisis_line in chat.text
    assert ADVICE_END not in chat.text
    assert "Yes" in chat.buttons and "No" in chat.buttons
    chat.say("yes")
    assert ADVICE_END in chat.text and clinic().crisis_line in chat.text
    assert chat.slots()["red_flag"] == "mental_health"


def test_milk_left_out_too_long_gets_a_verdict_without_needless_questions(chat):
    chat.say("milk sat out on the dresser for 6 hours, can i still use it")
    assert chat.asked_question() is None
    assert "throw it away" in chat.text
    assert chat.slots()["storage_verdict"] == "throw_away"


def test_relative_times_are_read_from_the_parents_clock(chat):
    chat.say("is milk i pumped yesterday morning and kept in the fridge still ok",
             metadata={"local_time": "2026-11-27T14:00"})
    assert chat.slots()["storage_hours"] == 30
    assert "fine to use" in chat.text
