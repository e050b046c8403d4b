"""How a message is taken while a troubleshooting question waits for its answer.

A parent at 2 am answers in their own words, and those words often touch another topic ("it lets down
after a few minutes" mentions let-down; "it's fine with me" sounds like small talk). So while a question
is pending, the message is read as an answer first, and only taken for something else when it
plainly is: a red flag the phrase rules found, a wish to reach a person or to leave, a "stop" that
answers nothing, or a question of its own on another topic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, Optional

from coach.answers import looks_like_question, read_answers
from coach.vocabulary import (
    AFFIRM_INTENT,
    BOT_CHALLENGE_INTENT,
    CHECKIN_OUTCOME_INTENT,
    DENY_INTENT,
    FALLBACK_INTENT,
    GOODBYE_INTENT,
    GREET_INTENT,
    INFORM_INTENT,
    LOG_INTENTS,
    LOW_OUTPUT_INTENT,
    NON_ENGLISH_INTENT,
    OUT_OF_SCOPE_INTENT,
    RED_FLAG_INTENT,
    REQUEST_HUMAN_INTENT,
    STOP_CHECKINS_INTENT,
    STOP_INTENT,
    STORAGE_INTENT,
    THANK_INTENT,
)

# Intents that always leave the question for their own rule, whatever the text also says.
HARD_INTERRUPTS = frozenset({REQUEST_HUMAN_INTENT, NON_ENGLISH_INTENT})
# "Goodbye" and a stored-milk question leave the questions only when the text answers nothing:
# the classifier has taken "Good" and "seems ok? no marks" for a goodbye.
SOFT_INTERRUPTS = frozenset({GOODBYE_INTENT, STOP_INTENT})
# The pumping log ("pumped 45 ml", "show my log") and "stop the check-ins" also leave the question only
# when the text answers nothing: "about 20 ml, and it starts to spray after a minute" answers the flow
# question.
LOG_INTERRUPTS = frozenset(LOG_INTENTS) | {STOP_CHECKINS_INTENT}
# Intents a reply is often given under: a failed reading of these means "say it again", never a new topic.
REPLY_INTENTS = frozenset({INFORM_INTENT, AFFIRM_INTENT, DENY_INTENT, FALLBACK_INTENT, OUT_OF_SCOPE_INTENT,
                           LOW_OUTPUT_INTENT, "express_pumping_stress", CHECKIN_OUTCOME_INTENT})
# Small talk that, when short, is not an answer ("thanks", "hi", "are you a bot?").
SMALL_TALK = frozenset({GREET_INTENT, THANK_INTENT, BOT_CHALLENGE_INTENT})

# The stored-milk form weighs less. Its answers are short facts ("fridge", "about 3 hours") that no
# classifier takes for a stop or a goodbye, and its questions cannot be answered by a red-flag
# sentence, so these intents always end it, with no reading first ...
STORAGE_INTERRUPTS = frozenset({RED_FLAG_INTENT, REQUEST_HUMAN_INTENT, STOP_INTENT, GOODBYE_INTENT})
# ... and a fact it cannot read is asked again only under these intents; under any other the message is a
# new topic, and that topic's rule answers it.
STORAGE_ANSWER_INTENTS = frozenset({INFORM_INTENT, AFFIRM_INTENT, DENY_INTENT, FALLBACK_INTENT, OUT_OF_SCOPE_INTENT,
                                    STORAGE_INTENT})


class TurnKind(str, Enum):
    ANSWER = "answer"  # the pending question is answered (maybe with more facts)
    UNREADABLE = "unreadable"  # meant as an answer, but we cannot tell what it says
    INTERRUPT = "interrupt"  # something else: let its own rule answer, then the question comes back


@dataclass(frozen=True)
class Turn:
    kind: TurnKind
    found: Dict[str, str] = field(default_factory=dict)


def read_turn(text: str, requested: str, intent: Optional[str], rule_red_flag: bool = False) -> Turn:
    """What this message does to the pending question ``requested``."""
    if rule_red_flag or intent in HARD_INTERRUPTS:
        return Turn(TurnKind.INTERRUPT)
    is_question = looks_like_question(text)
    if is_question and intent not in REPLY_INTENTS and intent not in SMALL_TALK | SOFT_INTERRUPTS:
        # A question of its own on another topic ("is coconut oil ok on the flanges?", "wait, is milk left
        # out 5 hours ok?"): its rule answers, then the pending question is put again.
        return Turn(TurnKind.INTERRUPT)
    # Under "stop", only a specific reading answers ("yeah full"); a bare "no more" is a stop.
    found = read_answers(text, requested=requested, is_reply=not is_question and intent != STOP_INTENT)
    if requested in found:
        # Only the classifier thought this a red flag, and it plainly answers the question: an answer.
        return Turn(TurnKind.ANSWER, found)
    if intent == RED_FLAG_INTENT or intent in SOFT_INTERRUPTS | LOG_INTERRUPTS:
        return Turn(TurnKind.INTERRUPT)
    if is_question and intent not in REPLY_INTENTS:
        return Turn(TurnKind.INTERRUPT, found)
    if intent in SMALL_TALK and len(text.split()) <= 4:
        return Turn(TurnKind.INTERRUPT, found)
    return Turn(TurnKind.UNREADABLE, found)
