"""Red flags and requests for a human: the answers that must always reach a person."""
from __future__ import annotations

from typing import List, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker import entity_values, latest_intent, latest_text, rule_flag_probability
from coach import content
from coach.answers import PARSERS, parse_requested
from coach.clinic import clinic
from coach.replies import (
    CHECK_NO,
    CHECK_YES,
    CONTINUE_QUESTIONS,
    LOW_OUTPUT,
    NON_ENGLISH,
    SAFETY_CHECK,
    SAFETY_CHECK_CLEAR,
    SAFETY_CHECK_CLEAR_MOOD,
    STORAGE,
    TALK_TO_PERSON,
    buttons,
)
from coach.safety import RedFlag, advice_for, decide, escalation_flag, read_check_reply, sort_by_urgency
from coach.vocabulary import (
    HANDOFF_ACTION,
    NON_ENGLISH_ACTION,
    RED_FLAG_ACTION,
    RED_FLAG_SLOT,
    REQUESTED_SLOT,
    SAFETY_CHECK_KIND_SLOT,
    SAFETY_CHECK_PENDING_SLOT,
    STATUS_IN_PROGRESS,
    SUSPECTED_KIND_ENTITY,
    TROUBLESHOOT_FORM,
    TROUBLESHOOTING_STATUS_SLOT,
)


def flags_in_message(entity_flags: List[str]) -> List[RedFlag]:
    """The flags the NLU guard's phrase rules found (empty when only the classifier suspects one)."""
    return sort_by_urgency(RedFlag(v) for v in entity_flags if v in RedFlag._value2member_map_)


def _escalate(dispatcher: CollectingDispatcher, tracker: Tracker, flags: Sequence[RedFlag]) -> List[EventType]:
    """The human-contact answer: always names who to contact now."""
    text = latest_text(tracker)
    advice = advice_for(list(flags), clinic())
    events: List[EventType] = [SlotSet(RED_FLAG_SLOT, advice.flags[0].value), SlotSet(SAFETY_CHECK_PENDING_SLOT, None),
                               SlotSet(SAFETY_CHECK_KIND_SLOT, None)]
    # "No, he isn't gaining" is both a red flag and the answer to the question we asked.
    requested = tracker.get_slot(REQUESTED_SLOT)
    if requested in PARSERS and tracker.get_slot(requested) is None:
        value = parse_requested(requested, text)
        if value is not None:
            events.append(SlotSet(requested, value))
    follow = [TALK_TO_PERSON]
    if tracker.get_slot(TROUBLESHOOTING_STATUS_SLOT) == STATUS_IN_PROGRESS:
        follow.append(CONTINUE_QUESTIONS)
    dispatcher.utter_message(text=advice.text, buttons=buttons(*follow))
    return events


class ActionHandleRedFlag(Action):
    """A message the NLU took for a red flag: escalate when sure, else ask one short check."""

    def name(self) -> Text:
        return RED_FLAG_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        suspected = entity_values(tracker, SUSPECTED_KIND_ENTITY)
        decision = decide(flags_in_message(entity_values(tracker, RED_FLAG_SLOT)), latest_text(tracker),
                          tracker.get_slot(SAFETY_CHECK_KIND_SLOT) if tracker.get_slot(SAFETY_CHECK_PENDING_SLOT) else None,
                          model_kind=suspected[0] if suspected else None,
                          model_probability=rule_flag_probability(tracker))
        if decision.flags:
            return _escalate(dispatcher, tracker, decision.flags)
        kind = decision.check.value
        dispatcher.utter_message(text=SAFETY_CHECK[kind].format(crisis_line=clinic().crisis_line),
                                 buttons=buttons(CHECK_YES, CHECK_NO))
        return [SlotSet(SAFETY_CHECK_PENDING_SLOT, True), SlotSet(SAFETY_CHECK_KIND_SLOT, kind)]


class ActionResolveSafetyCheck(Action):
    """The reply to a safety check: yes (or anything unclear) escalates; no carries on where we were."""

    def name(self) -> Text:
        return "action_resolve_safety_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        kind = tracker.get_slot(SAFETY_CHECK_KIND_SLOT)
        reply = read_check_reply(latest_text(tracker), latest_intent(tracker))
        if reply != "no":
            return _escalate(dispatcher, tracker, [escalation_flag(kind)])
        events: List[EventType] = [SlotSet(SAFETY_CHECK_PENDING_SLOT, None), SlotSet(SAFETY_CHECK_KIND_SLOT, None)]
        c = clinic()
        if tracker.get_slot(TROUBLESHOOTING_STATUS_SLOT) == STATUS_IN_PROGRESS:
            dispatcher.utter_message(text=SAFETY_CHECK_CLEAR_MOOD.format(crisis_line=c.crisis_line) if kind == "mood"
                                     else SAFETY_CHECK_CLEAR)
            return events + [FollowupAction(TROUBLESHOOT_FORM)]
        text = SAFETY_CHECK_CLEAR_MOOD.format(crisis_line=c.crisis_line) if kind == "mood" else SAFETY_CHECK_CLEAR
        dispatcher.utter_message(text=content.text("safety_check_clear_offer", answer=text),
                                 buttons=buttons(LOW_OUTPUT, STORAGE, TALK_TO_PERSON))
        return events


class ActionHandoff(Action):
    def name(self) -> Text:
        return HANDOFF_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        c = clinic()
        dispatcher.utter_message(text=content.text("safety_handoff", contact_line=c.contact_line(),
                                                   emergency_number=c.emergency_number))
        return [SlotSet("handoff_requested", True)]


class ActionNonEnglish(Action):
    """A message in a language the assistant cannot read yet: it may be a red flag, so the reply gives
    the clinic's, the emergency and the crisis numbers, in English and in Spanish."""

    def name(self) -> Text:
        return NON_ENGLISH_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        c = clinic()
        dispatcher.utter_message(text=NON_ENGLISH.format(clinic=c.name, phone=c.phone, hours=c.hours,
                                                         emergency=c.emergency_number, crisis=c.crisis_line))
        return []


# Read the clinic file when the action server starts, so a broken file stops it with a clear
# message instead of failing in the middle of a red-flag answer.
clinic()
