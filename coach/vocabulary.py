"""Names shared by actions, components, channels, review and eval: one place to spell each.

Plain Python with no Rasa import, so every part of the project can use it. ``domain.yml`` must use
the same spellings; ``tests/unit/test_vocabulary.py`` reads the domain and the NLU data and fails when
the two drift apart, so there is no "keep in step" comment to forget.
"""
from __future__ import annotations

from typing import FrozenSet, Optional, Tuple

# The article's five explanations for little or no milk, in the article's order: ties between equally
# likely causes break by this order (coach.diagnosis), and the review app lists them in it.
CAUSES: Tuple[str, ...] = ("pump", "parts_settings", "anxiety", "let_down", "supply")

# --- intents the code branches on (the rest only select a response or a story) ---
LOW_OUTPUT_INTENT = "report_low_output"
STORAGE_INTENT = "ask_milk_storage"
RED_FLAG_INTENT = "report_red_flag"
REQUEST_HUMAN_INTENT = "request_human"
NON_ENGLISH_INTENT = "non_english"
NON_ENGLISH_ACTION = "action_non_english"
STOP_INTENT = "stop"
GOODBYE_INTENT = "goodbye"
INFORM_INTENT = "inform"
AFFIRM_INTENT = "affirm"
DENY_INTENT = "deny"
GREET_INTENT = "greet"
THANK_INTENT = "thank"
BOT_CHALLENGE_INTENT = "bot_challenge"
OUT_OF_SCOPE_INTENT = "out_of_scope"
# The pumping log: what a message asks of it (coach.pumping_log.LogRequest) decides the intent.
LOG_INTENT = "log_pumping"
CORRECT_LOG_INTENT = "correct_log_entry"
DELETE_LOG_INTENT = "delete_log_entry"
SHOW_LOG_INTENT = "show_log"
LOG_INTENTS: Tuple[str, ...] = (LOG_INTENT, CORRECT_LOG_INTENT, DELETE_LOG_INTENT, SHOW_LOG_INTENT)
# Check-ins after a diagnosis (coach.checkins reads the words, the MessageGuard routes them).
SCHEDULE_CHECKIN_INTENT = "schedule_checkin"
STOP_CHECKINS_INTENT = "stop_checkins"
CHECKIN_OUTCOME_INTENT = "checkin_outcome"
CHECKIN_INTENTS: Tuple[str, ...] = (SCHEDULE_CHECKIN_INTENT, STOP_CHECKINS_INTENT, CHECKIN_OUTCOME_INTENT)
# Rasa's FallbackClassifier writes this intent when no intent is confident enough.
FALLBACK_INTENT = "nlu_fallback"

# --- forms and actions other code names ---
TROUBLESHOOT_FORM = "troubleshoot_form"
STORAGE_FORM = "storage_form"
RED_FLAG_ACTION = "action_handle_red_flag"
HANDOFF_ACTION = "action_handoff"
FALLBACK_ACTION = "action_default_fallback"
# A parent's request to delete the whole conversation (coach/erase_requests.py, data/rules/erase.yml),
# and the answer after which the Rasa server erases the conversation (rasa_patches/erasure.py), so that
# response must never be used anywhere else.
ERASE_REQUEST_INTENT = "erase_request"
ERASED_RESPONSE = "utter_erased"
# The answer that asks a parent to say it another way (the NLU fell back, or a topic had no answer).
REPHRASE_RESPONSE = "utter_please_rephrase"
PUMPING_LOG_ACTION = "action_pumping_log"

# --- slots other code names (the troubleshooting answers are named in coach.diagnosis) ---
REQUESTED_SLOT = "requested_slot"  # Rasa's own: which slot a form is asking for
TROUBLESHOOTING_STATUS_SLOT = "troubleshooting_status"
SUSPECTED_CAUSE_SLOT = "suspected_cause"
RUNNER_UP_CAUSE_SLOT = "runner_up_cause"
RED_FLAG_SLOT = "red_flag"  # also the name of the entity the MessageGuard adds
# The entity the MessageGuard adds when only the red-flag model suspects a sign: its kind, so the one
# safety check asks about the right thing. Not a slot: it only picks the check's wording.
SUSPECTED_KIND_ENTITY = "red_flag_suspected"
SAFETY_CHECK_PENDING_SLOT = "safety_check_pending"
SAFETY_CHECK_KIND_SLOT = "safety_check_kind"
FLANGE_SIZE_MM_SLOT = "flange_size_mm"
PRIVACY_NOTICE_SLOT = "privacy_notice_shown"
PUMPING_LOG_SLOT = "pumping_log"
CHECKIN_DUE_SLOT = "checkin_due"  # epoch seconds of the next check-in; None: none waiting (channels/checkins.py)
CHECKIN_FROM_SLOT = "checkin_from"  # epoch seconds of the advice the check-in asks about
CHECKIN_OPEN_SLOT = "checkin_open"  # a check-in question was sent and not yet answered
OUTCOME_SLOT = "outcome"  # better | same | worse | no_reply (coach.checkins.OUTCOMES)

# --- values of troubleshooting_status ---
STATUS_IN_PROGRESS = "in_progress"
STATUS_STOPPED = "stopped"  # the parent said "stop"; what they told us is kept for "continue"
STATUS_DONE = "done"
TROUBLESHOOTING_STATUSES: Tuple[str, ...] = (STATUS_IN_PROGRESS, STATUS_STOPPED, STATUS_DONE)
UNFINISHED: FrozenSet[str] = frozenset({STATUS_IN_PROGRESS, STATUS_STOPPED})


def troubleshooting_unfinished(status: Optional[str]) -> bool:
    """True while there are troubleshooting questions the parent can pick up again ("continue")."""
    return status in UNFINISHED
