"""Quick-reply buttons and the short texts that several actions share, by name.

The words are data (content/en/*.yml, by id); these names keep the modules that share them short.

A button's payload is its own title: tapping it sends the same words a person could type, so taps
and typing take one path through the NLU and the answer parsers, and no payload can set a slot.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Mapping

from coach import content
from coach import vocabulary as v

if TYPE_CHECKING:
    from coach.clinic import Clinic

Button = Dict[str, str]


def buttons(*titles: str) -> List[Button]:
    return [{"title": title, "payload": title} for title in titles]


TALK_TO_PERSON = content.text("button_talk_to_person")
CONTINUE_QUESTIONS = content.text("button_continue_questions")
LOW_OUTPUT = content.text("button_low_output")
STORAGE = content.text("button_storage")
FLANGE = content.text("button_flange")
SHOW_LOG = content.text("button_show_log")
DELETE_ENTRY = content.text("button_delete_entry")
PUMP_CHOICE = content.text("button_pump_choice")
LET_DOWN = content.text("button_let_down")
STRESS = content.text("button_stress")
CONSULTANT = content.text("button_consultant")

# The topic each cause's "learn more" button leads to.
CAUSE_FOLLOW_UP: Dict[str, str] = {
    "pump": PUMP_CHOICE,
    "parts_settings": FLANGE,
    "anxiety": STRESS,
    "let_down": LET_DOWN,
    "supply": CONSULTANT,
}

CAUSE_LABELS: Dict[str, str] = {
    "pump": content.text("cause_pump"),
    "parts_settings": content.text("cause_parts_settings"),
    "anxiety": content.text("cause_anxiety"),
    "let_down": content.text("cause_let_down"),
    "supply": content.text("cause_supply"),
}

PRIVACY_NOTICE = content.text("privacy_notice")


def privacy_notice(clinic: "Clinic") -> str:
    """The first message of every new conversation: what the assistant is, and what happens to what is said."""
    kept = (content.text("privacy_kept_for_days", days=clinic.retention_days) if clinic.retention_days
            else content.text("privacy_kept_until_deleted"))
    parts = [PRIVACY_NOTICE, kept, content.text("privacy_you_can_erase")]
    if clinic.privacy_policy_url:
        parts.append(content.text("privacy_policy", clinic=clinic.name, url=clinic.privacy_policy_url))
    return " ".join(parts)


# {clinic}, {phone}, {hours}, {emergency}, {crisis}: filled from clinic.yml where it is said.
NON_ENGLISH = content.text("non_english")
DID_NOT_CATCH = content.text("did_not_catch")
STORAGE_UNSURE = content.text("ask_storage_unsure")
STOPPED = content.text("stopped")
FALLBACK = content.text("fallback", talk_to_person=TALK_TO_PERSON)
TROUBLESHOOT_INTRO = content.text("questions_intro")
TROUBLESHOOT_RESUME = content.text("questions_resume")

# One short check before any alarm (content/en/safety_checks.yml). Keys are coach.safety.SuspectedKind
# values; {crisis_line} is filled where the check is said.
SAFETY_CHECK = {
    "breast": content.text("check_breast"),
    "baby": content.text("check_baby"),
    "mood": content.text("check_mood"),
    "general": content.text("check_general"),
    "confirm_infant": content.text("check_confirm_infant"),
    "confirm_mastitis": content.text("check_confirm_mastitis"),
    "confirm_fever": content.text("check_confirm_fever"),
    "confirm_nipple_damage": content.text("check_confirm_nipple_damage"),
}
# The opening words of every check, for the transcript readers and the evaluation.
SAFETY_CHECK_TEXTS = (content.text("check_opening"), content.text("check_opening_mood"))
CHECK_YES = content.text("button_yes")
CHECK_NO = content.text("button_no")
# The two answers to "Do you want me to delete this whole conversation?" (utter_ask_erase).
ERASE_YES = content.text("button_erase_yes")
ERASE_NO = content.text("button_erase_no")
SAFETY_CHECK_CLEAR = content.text("check_clear")
SAFETY_CHECK_CLEAR_MOOD = content.text("check_clear_mood")

# The intent a tap on each of these buttons must be read as (a form question's quick replies are all
# "inform"; coach/prompts.py). tests/unit/test_vocabulary.py checks the NLU data teaches exactly this.
BUTTON_INTENTS: Mapping[str, str] = {
    TALK_TO_PERSON: v.REQUEST_HUMAN_INTENT,
    CONTINUE_QUESTIONS: v.LOW_OUTPUT_INTENT,
    LOW_OUTPUT: v.LOW_OUTPUT_INTENT,
    STORAGE: v.STORAGE_INTENT,
    FLANGE: "ask_flange_fit",
    PUMP_CHOICE: "ask_pump_choice",
    LET_DOWN: "ask_let_down",
    STRESS: "express_pumping_stress",
    CONSULTANT: "ask_lactation_consultant",
    CHECK_YES: v.AFFIRM_INTENT,
    CHECK_NO: v.DENY_INTENT,
    SHOW_LOG: v.SHOW_LOG_INTENT,
    DELETE_ENTRY: v.DELETE_LOG_INTENT,
    ERASE_YES: v.ERASE_REQUEST_INTENT,  # asking again right after the question is the yes (data/rules/erase.yml)
    ERASE_NO: v.DENY_INTENT,
}
