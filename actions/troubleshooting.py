"""The troubleshooting form: which question next, reading answers, and the explanation at the end.

All decisions live in plain modules (``diagnosis`` picks questions and the cause, ``answers`` reads
free text); these classes only move values between them and the tracker.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker import (
    MAX_ASKS_PER_QUESTION,
    answers,
    entity_values,
    just_heard_user,
    latest_intent,
    latest_text,
    question_turns,
    questions_asked,
    times_requested,
    user_texts_this_session,
)
from coach import checkins, content, diagnosis
from coach.answers import UNSURE, flange_size_mm, read_answers
from coach.clinic import clinic
from coach.knowledge import knowledge_base
from coach.replies import (
    CAUSE_FOLLOW_UP,
    CAUSE_LABELS,
    CONSULTANT,
    CONTINUE_QUESTIONS,
    DID_NOT_CATCH,
    STOPPED,
    STORAGE,
    TALK_TO_PERSON,
    TROUBLESHOOT_INTRO,
    TROUBLESHOOT_RESUME,
    buttons,
)
from coach.safety import RedFlag, advice_for
from coach.turns import HARD_INTERRUPTS, TurnKind, read_turn
from coach.vocabulary import (
    FLANGE_SIZE_MM_SLOT,
    GOODBYE_INTENT,
    RED_FLAG_INTENT,
    RED_FLAG_SLOT,
    REQUESTED_SLOT,
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_STOPPED,
    TROUBLESHOOT_FORM,
    TROUBLESHOOTING_STATUS_SLOT,
    troubleshooting_unfinished,
)

FORM = TROUBLESHOOT_FORM


class ValidateTroubleshootForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_troubleshoot_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        known = answers(tracker)
        answered = [slot for slot in diagnosis.QUESTION_SLOTS if known.get(slot) is not None]
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested in diagnosis.QUESTION_SLOTS and known.get(requested) is None:
            # The last question got no usable answer: ask it once more (the extraction records
            # "unsure" after that, so it is never asked a third time).
            if times_requested(tracker, requested) < MAX_ASKS_PER_QUESTION:
                return answered + [requested]
        unanswerable = [slot for slot in questions_asked(tracker) if known.get(slot) is None]
        # The budget counts every question turn the parent saw, re-asks included.
        next_slot = diagnosis.next_question(known, asked=question_turns(tracker), skip=unanswerable)
        # Answered slots stay listed so the SDK keeps (does not drop) the values just extracted.
        return answered + ([next_slot] if next_slot else [])

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if not just_heard_user(tracker, FORM):
            return []  # coming back after an interruption: nothing new was said
        intent = latest_intent(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        rule_red_flag = intent == RED_FLAG_INTENT and bool(entity_values(tracker, RED_FLAG_SLOT))
        if requested is None:
            if rule_red_flag or intent in HARD_INTERRUPTS or intent == GOODBYE_INTENT:
                return []
            resuming = troubleshooting_unfinished(tracker.get_slot(TROUBLESHOOTING_STATUS_SLOT))
            dispatcher.utter_message(text=TROUBLESHOOT_RESUME if resuming else TROUBLESHOOT_INTRO)
            # Activation: use everything said earlier in this conversation, oldest first.
            found: Dict[str, Any] = {}
            for text in user_texts_this_session(tracker):
                found.update(read_answers(text))
            return self._slot_events(tracker, found, None) + [SlotSet(TROUBLESHOOTING_STATUS_SLOT, STATUS_IN_PROGRESS)]
        turn = read_turn(latest_text(tracker), requested, intent, rule_red_flag)
        if turn.kind is TurnKind.INTERRUPT:
            return []  # its own rule answers; the form then puts the question again
        events = self._slot_events(tracker, turn.found, requested)
        if turn.kind is TurnKind.UNREADABLE:
            if times_requested(tracker, requested) < MAX_ASKS_PER_QUESTION:
                dispatcher.utter_message(text=DID_NOT_CATCH)
                events.append(SlotSet(requested, None))  # counts as handled: the form asks again
            else:
                # Asked twice and still unreadable: take it as "can't say" and move on, without a
                # second "didn't catch that".
                events.append(SlotSet(requested, UNSURE))
        return events + [SlotSet(TROUBLESHOOTING_STATUS_SLOT, STATUS_IN_PROGRESS)]

    @staticmethod
    def _slot_events(tracker: Tracker, found: Dict[str, Any], requested: Optional[str]) -> List[EventType]:
        known = answers(tracker)
        events: List[EventType] = [
            SlotSet(slot, value) for slot, value in found.items() if known.get(slot) is None or slot == requested
        ]
        mm = flange_size_mm(latest_text(tracker))
        if mm is not None:
            events.append(SlotSet("flange_size_mm", mm))
        return events

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # Values were checked by the parsers; keep every extracted question slot as it is.
        slots = tracker.slots_to_validate()
        keep = set(diagnosis.QUESTION_SLOTS) | {FLANGE_SIZE_MM_SLOT, TROUBLESHOOTING_STATUS_SLOT, RED_FLAG_SLOT}
        return [SlotSet(slot, value) for slot, value in slots.items() if slot in keep]


def infant_red_flag(answer_values: Dict[str, Optional[str]]) -> bool:
    return answer_values.get("baby_gaining_well") == "no"


def explanation(answer_values: Dict[str, Optional[str]]) -> "tuple[diagnosis.Diagnosis, str]":
    """The diagnosis and the text that explains it; plain so the tests can read it without Rasa."""
    result = diagnosis.diagnose(answer_values)
    kb = knowledge_base()
    parts = []
    if infant_red_flag(answer_values):
        # Poor weight gain is a red flag however it was said: the human-contact answer comes first.
        parts.append(advice_for([RedFlag.INFANT], clinic()).text)
    parts.append(content.text("troubleshoot_most_likely"))
    parts.append(kb.entry(f"cause_{result.cause}").render())
    if answer_values.get("parts_condition") == "worn" and result.cause in ("pump", "parts_settings"):
        parts.append(kb.entry("worn_parts").render())
    parts.append(content.text("troubleshoot_could_also_be", cause=CAUSE_LABELS[result.runner_up]))
    if result.cause != "supply":
        parts.append(kb.entry("not_supply_reassurance").text)
    parts.append(content.text("troubleshoot_try_this"))
    return result, "\n\n".join(parts)


class ActionExplainDiagnosis(Action):
    def name(self) -> Text:
        return "action_explain_diagnosis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        result, text = explanation(answers(tracker))
        follow_ups = dict.fromkeys([CAUSE_FOLLOW_UP[result.cause], CAUSE_FOLLOW_UP[result.runner_up], CONSULTANT])
        dispatcher.utter_message(text=text, buttons=buttons(*follow_ups, TALK_TO_PERSON))
        # The loop closes only if someone asks how it went: offer a check-in (channels/checkins.py sends it).
        dispatcher.utter_message(text=checkins.OFFER, buttons=buttons(*checkins.OFFER_BUTTONS))
        flag = [SlotSet(RED_FLAG_SLOT, RedFlag.INFANT.value)] if infant_red_flag(answers(tracker)) else []
        return flag + [
            SlotSet("suspected_cause", result.cause),
            SlotSet("runner_up_cause", result.runner_up),
            SlotSet(TROUBLESHOOTING_STATUS_SLOT, STATUS_DONE),
        ]


class ActionStopTroubleshooting(Action):
    def name(self) -> Text:
        return "action_stop_troubleshooting"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=STOPPED, buttons=buttons(CONTINUE_QUESTIONS, STORAGE, TALK_TO_PERSON))
        return [SlotSet(TROUBLESHOOTING_STATUS_SLOT, STATUS_STOPPED), SlotSet(REQUESTED_SLOT, None)]
