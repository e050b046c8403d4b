"""The stored-milk form: collect place, state and time, then give a verdict."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker import (
    MAX_ASKS_PER_QUESTION,
    just_heard_user,
    latest_intent,
    latest_text,
    local_now,
    times_requested,
)
from coach import content, storage
from coach.knowledge import knowledge_base
from coach.negation import hedge
from coach.replies import CONTINUE_QUESTIONS, DID_NOT_CATCH, LOW_OUTPUT, STORAGE_UNSURE, TALK_TO_PERSON, buttons
from coach.turns import STORAGE_ANSWER_INTENTS, STORAGE_INTERRUPTS
from coach.vocabulary import REQUESTED_SLOT, STORAGE_FORM, TROUBLESHOOTING_STATUS_SLOT, troubleshooting_unfinished

SLOTS = ("storage_place", "milk_state", "storage_hours")
FACT_OF_SLOT = {"storage_place": "place", "milk_state": "state", "storage_hours": "hours"}
PARSERS = {"storage_place": storage.parse_place, "milk_state": storage.parse_state, "storage_hours": storage.parse_hours}


def storage_facts(text: str, now: Optional[datetime] = None) -> Dict[str, Any]:
    slot_of = {fact: slot for slot, fact in FACT_OF_SLOT.items()}
    return {slot_of[fact]: value for fact, value in storage.read_facts(text, now).items()}


def missing_slots_that_matter(place: Optional[str], state: Optional[str], hours: Optional[float]) -> List[str]:
    """The questions to ask: only facts that could change the verdict, in the usual order."""
    needed = storage.facts_that_matter(place, state, hours)
    return [slot for slot in SLOTS if FACT_OF_SLOT[slot] in needed]


class ValidateStorageForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_storage_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # A general question ("how long does milk keep?") needs no facts: the form ends at once and
        # the general answer follows. A question about one batch asks for whatever is missing.
        if not tracker.get_slot("storage_question_specific"):
            return []
        # A fact asked for twice without a usable answer ends the form: the general guidance follows.
        if any(tracker.get_slot(slot) is None and times_requested(tracker, slot) >= MAX_ASKS_PER_QUESTION for slot in SLOTS):
            return []
        needed = missing_slots_that_matter(*(tracker.get_slot(slot) for slot in SLOTS))
        # Known slots stay listed so the SDK keeps them; only facts that can change the verdict are asked.
        return [slot for slot in SLOTS if tracker.get_slot(slot) is not None] + needed[:1]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if not just_heard_user(tracker, STORAGE_FORM) or latest_intent(tracker) in STORAGE_INTERRUPTS:
            return []
        text = latest_text(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        events: List[EventType] = []
        if requested is None:
            # A new question: forget the last batch's facts, then read this one's.
            events += [SlotSet(slot, None) for slot in SLOTS]
            events.append(SlotSet("storage_question_specific", storage.wants_verdict(text)))
            tracker.slots["storage_question_specific"] = storage.wants_verdict(text)
        now = local_now(tracker)
        facts = storage_facts(text, now)
        if requested == "storage_hours" and "storage_hours" not in facts and storage.parse_hours(f"{text} hours"):
            facts["storage_hours"] = storage.parse_hours(f"{text} hours")  # a bare "5" answers "how many hours?"
        events += [SlotSet(slot, value) for slot, value in facts.items()]
        if requested and requested not in facts:
            if hedge(text) == "unsure":
                # "not sure" is an answer: the limits for every case follow, with no "didn't catch that".
                dispatcher.utter_message(text=STORAGE_UNSURE)
                return events + [SlotSet("storage_question_specific", False)]
            if latest_intent(tracker) not in STORAGE_ANSWER_INTENTS:
                return []  # a new topic: let the form step aside so that topic's rule answers
            dispatcher.utter_message(text=DID_NOT_CATCH)
            events.append(SlotSet(requested, None))
        return events

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        slots = tracker.slots_to_validate()
        return [SlotSet(k, v) for k, v in slots.items() if k in SLOTS or k == "storage_question_specific"]


def storage_reply(place: Optional[str], state: Optional[str], hours: Optional[float]) -> "tuple[Optional[str], str]":
    """(verdict or None, text): a verdict when the facts known settle it, else the general guidance."""
    place = place if place in storage.PLACE_NAMES else None
    state = state if state in storage.STATES else None
    answer = storage.judge_known(place, state, float(hours) if hours is not None else None)
    if answer is not None and (place or state or hours is not None):
        return answer.verdict.value, answer.text
    return None, knowledge_base().entry("milk_storage").render()


class ActionStorageVerdict(Action):
    def name(self) -> Text:
        return "action_storage_verdict"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        verdict, text = storage_reply(
            tracker.get_slot("storage_place"), tracker.get_slot("milk_state"), tracker.get_slot("storage_hours")
        )
        if verdict:
            section = knowledge_base().sections["rule_warming"]
            text += "\n\n" + content.text("storage_source_note", section=section)
        unfinished = troubleshooting_unfinished(tracker.get_slot(TROUBLESHOOTING_STATUS_SLOT))
        follow = [CONTINUE_QUESTIONS] if unfinished else [LOW_OUTPUT]
        dispatcher.utter_message(text=text, buttons=buttons(*follow, TALK_TO_PERSON))
        return [SlotSet("storage_verdict", verdict), SlotSet("storage_question_specific", None)]
