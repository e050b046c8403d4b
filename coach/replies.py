"""Quick-reply buttons and the short texts that several actions share.

A button's payload is its own title: tapping it sends the same words a person could type, so taps
and typing take one path through the NLU and the answer parsers, and no payload can set a slot.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Mapping

from coach import vocabulary as v

if TYPE_CHECKING:
    from coach.clinic import Clinic

Button = Dict[str, str]


def buttons(*titles: str) -> List[Button]:
    return [{"title": title, "payload": title} for title in titles]


TALK_TO_PERSON = "Talk to a person"
CONTINUE_QUESTIONS = "Continue the pumping questions"
LOW_OUTPUT = "Little or no milk when I pump"
STORAGE = "Is my stored milk OK?"
FLANGE = "How should my flange fit?"
SHOW_LOG = "Show my log"
DELETE_ENTRY = "Delete that entry"
PUMP_CHOICE = "Which pump should I use?"
LET_DOWN = "How do I trigger let-down?"
STRESS = "I feel stressed about pumping"
CONSULTANT = "When should I see a lactation consultant?"

# The topic each cause's "learn more" button leads to.
CAUSE_FOLLOW_UP: Dict[str, str] = {
    "pump": PUMP_CHOICE,
    "parts_settings": FLANGE,
    "anxiety": STRESS,
    "let_down": LET_DOWN,
    "supply": CONSULTANT,
}

CAUSE_LABELS: Dict[str, str] = {
    "pump": "the pump itself",
    "parts_settings": "the pump parts or settings (flange fit, suction)",
    "anxiety": "stress and how pumping feels",
    "let_down": "let-down not starting while you pump",
    "supply": "milk production itself",
}

PRIVACY_NOTICE = (
    "Hi, I'm the pumping coach, a chatbot. I can help you work out why little or no milk comes out when "
    "you pump, and answer questions about pumps, flange fit, let-down, milk storage and more. I'm not a "
    "medical professional and can't replace one. Our conversation is stored and may be read by the "
    "clinic's staff to check and improve my answers."
)
# What the clinic keeps, from clinic.yml (retention_days, privacy_policy_url), after the notice.
KEPT_FOR_DAYS = "It is deleted {days} days after your last message."
KEPT_UNTIL_DELETED = "It is kept until you or the clinic delete it."
YOU_CAN_ERASE = 'You can say "delete my conversation" at any time.'
PRIVACY_POLICY = "How {clinic} looks after your data: {url}"


def privacy_notice(clinic: "Clinic") -> str:
    """The first message of every new conversation: what the assistant is, and what happens to what is said."""
    kept = KEPT_FOR_DAYS.format(days=clinic.retention_days) if clinic.retention_days else KEPT_UNTIL_DELETED
    parts = [PRIVACY_NOTICE, kept, YOU_CAN_ERASE]
    if clinic.privacy_policy_url:
        parts.append(PRIVACY_POLICY.format(clinic=clinic.name, url=clinic.privacy_policy_url))
    return " ".join(parts)
# The reply to a message in a language the assistant does not read yet. It may be a red flag told in
# Spanish, so it carries every number a parent could need, and says so in Spanish too (the clinic's
# most common other language; issue 25). {clinic}, {phone}, {hours}, {emergency}, {crisis}: clinic.yml.
NON_ENGLISH = (
    "Sorry, for now I can only understand English. If you need help now, contact {clinic}: {phone} ({hours}). "
    "In an emergency, or if you are worried about your baby, call {emergency}. If you are having thoughts of "
    "harming yourself or your baby, call {crisis}.\n\n"
    "Lo siento, por ahora solo entiendo inglés. Si necesita ayuda ahora, llame a la clínica: {phone} ({hours}). "
    "En una emergencia, o si le preocupa su bebé, llame al {emergency}. Si tiene pensamientos de hacerse daño "
    "o de hacerle daño a su bebé, llame al {crisis}.\n\n"
    "Désolée, pour l'instant je ne comprends que l'anglais. En cas d'urgence, appelez le {emergency}."
)
DID_NOT_CATCH = "Sorry, I didn't catch that. You can tap one of the options or answer in your own words."
# A parent who cannot say where the milk was or how long: the verdict turns on it, so the limits for
# every case follow instead of the question again.
STORAGE_UNSURE = ("That's all right. The answer depends on it, so here are the limits for each case: "
                  "pick the one closest to yours.")
STOPPED = (
    "No problem, we'll stop the questions here. I've kept what you told me, so you can pick up again any "
    'time by saying "continue".'
)
FALLBACK = (
    "I'm sorry, I'm not sure how to help with that. You can say it another way, or tap "
    f'"{TALK_TO_PERSON}" to reach the clinic.'
)
TROUBLESHOOT_INTRO = (
    "I'm sorry, that's really frustrating, and it's more common than you might think. Let's work out why: "
    "I'll ask a few quick questions, one at a time. You can tap an answer or type your own, and say "
    '"stop" whenever you like.'
)
TROUBLESHOOT_RESUME = "Let's pick up where we left off."

# One short check before any alarm, when only the classifier (or a soft sign of low mood) suggests a
# red flag. Keys are coach.safety.SuspectedKind values; the mood check names the crisis line itself,
# so the number is there whatever the answer.
SAFETY_CHECK = {
    "breast": "Just to be safe: do you have a fever, or a red, hot or painful area on the breast, or nipples "
              "that are bleeding or cracked?",
    "baby": "Just to be safe: is your baby having fewer wet diapers than usual, or is your baby very sleepy or "
            "hard to wake?",
    "mood": "Thank you for telling me. Can I check how you are doing: have you been feeling very low, or had "
            "thoughts of harming yourself or your baby? Whatever your answer, you can talk to someone at any "
            "hour: {crisis_line}.",
    "general": "Just to be safe: is any of these happening: a fever or a red, painful area on the breast; "
               "bleeding or cracked nipples; a baby with few wet diapers or who is very sleepy; or thoughts of "
               "harming yourself?",
    # A sign the rules read that the red-flag model doubts (coach.safety.DOUBT_BELOW): is it real, now?
    "confirm_infant": "Just to be safe: is that happening to your baby now?",
    "confirm_mastitis": "Just to be safe: is that happening to you now?",
    "confirm_fever": "Just to be safe: do you have that fever or those chills yourself, now?",
    "confirm_nipple_damage": "Just to be safe: is that happening to your nipples now?",
}
# The opening words of every check, for the transcript readers and the evaluation.
SAFETY_CHECK_TEXTS = ("Just to be safe:", "Can I check how you are doing")
CHECK_YES = "Yes"
CHECK_NO = "No"
# The two answers to "Do you want me to delete this whole conversation?" (domain.yml utter_ask_erase).
ERASE_YES = "Yes, delete everything"
ERASE_NO = "No, keep it"
SAFETY_CHECK_CLEAR = "Thank you for checking with me, I'm glad to hear it."
SAFETY_CHECK_CLEAR_MOOD = (
    "Thank you for telling me. Pumping can wear anyone down. If that changes, or the low days pile up, "
    "please talk to your doctor or the clinic; {crisis_line} is there day and night."
)

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
