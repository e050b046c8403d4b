"""Check-ins: schedule one after a diagnosis, read the answer, stop them.

The actions only set slots; the Rasa server's scheduler (channels/checkins.py) turns a `checkin_due`
slot event into a row of its `checkin` table and sends the question when it is due, so a check-in
survives restarts. The words and times come from coach/checkins.py.
"""
from __future__ import annotations

import time
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker import latest_intent, latest_text, local_now
from coach import checkins as plan
from coach import content
from coach.clinic import clinic
from coach.knowledge import knowledge_base
from coach.replies import CAUSE_LABELS, LOW_OUTPUT, SHOW_LOG, TALK_TO_PERSON, buttons
from coach.vocabulary import (
    CHECKIN_DUE_SLOT,
    CHECKIN_FROM_SLOT,
    CHECKIN_OPEN_SLOT,
    DENY_INTENT,
    OUTCOME_SLOT,
    RUNNER_UP_CAUSE_SLOT,
    SUSPECTED_CAUSE_SLOT,
)

STOPPED = content.text("checkin_stopped")
NOTHING_TO_STOP = content.text("checkin_nothing_to_stop")
DECLINED = content.text("checkin_declined")
BETTER = content.text("checkin_better")
NOT_BETTER = content.text("checkin_not_better")
NO_CONTEXT_BETTER = content.text("checkin_no_context_better")
NO_CONTEXT_OTHER = content.text("checkin_no_context_other")
LEFT_OPEN = content.text("checkin_left_open")
UNREAD_OUTCOME = content.text("checkin_unread_outcome")


class ActionScheduleCheckin(Action):
    def name(self) -> Text:
        return "action_schedule_checkin"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = latest_text(tracker)
        if plan.checkin_request(text) is plan.Request.DECLINE:
            dispatcher.utter_message(text=DECLINED)
            return []
        now, local = time.time(), local_now(tracker)
        due = plan.due_at(plan.choice_of(text), local, now)
        dispatcher.utter_message(
            text=content.text("checkin_scheduled", when=plan.when_words(due, now, local)),
            buttons=buttons(plan.STOP_CHECKINS))
        return [SlotSet(CHECKIN_DUE_SLOT, due), SlotSet(CHECKIN_FROM_SLOT, now), SlotSet(CHECKIN_OPEN_SLOT, False)]


class ActionStopCheckins(Action):
    def name(self) -> Text:
        return "action_stop_checkins"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        waiting = tracker.get_slot(CHECKIN_DUE_SLOT) is not None or tracker.get_slot(CHECKIN_OPEN_SLOT)
        dispatcher.utter_message(text=STOPPED if waiting else NOTHING_TO_STOP)
        return [SlotSet(CHECKIN_DUE_SLOT, None), SlotSet(CHECKIN_OPEN_SLOT, False)] if waiting else []


def reasks_since_checkin(tracker: Tracker) -> int:
    """How often the check-in question was put again since it was sent."""
    count = 0
    for event in reversed(tracker.events or []):
        if event.get("event") != "bot":
            continue
        if (event.get("metadata") or {}).get("checkin"):
            break
        count += event.get("text") == UNREAD_OUTCOME
    return count


class ActionCheckinOutcome(Action):
    """The answer to "better, the same or worse?": recorded, and for "same" or "worse" the runner-up
    cause's guidance, then a lactation consultant."""

    def name(self) -> Text:
        return "action_checkin_outcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text, is_open = latest_text(tracker), bool(tracker.get_slot(CHECKIN_OPEN_SLOT))
        outcome, intent = plan.read_outcome(text), latest_intent(tracker)
        if outcome is None and is_open and intent == DENY_INTENT:
            outcome = "same"  # "no" to "is it going better?"
        if not is_open and not (tracker.get_slot(SUSPECTED_CAUSE_SLOT) and plan.is_outcome_statement(text)):
            # No check-in asked, and either nothing was suggested or the words only might be an outcome
            # ("my nipples feel better"): nothing is recorded.
            dispatcher.utter_message(text=NO_CONTEXT_BETTER if outcome == "better" else NO_CONTEXT_OTHER,
                                     buttons=[] if outcome == "better" else buttons(LOW_OUTPUT, TALK_TO_PERSON))
            return []
        if outcome not in ("better", "same", "worse"):
            if reasks_since_checkin(tracker) >= 1:
                # Asked once more already: leave it open-ended rather than ask a third time.
                dispatcher.utter_message(text=LEFT_OPEN, buttons=buttons(LOW_OUTPUT, TALK_TO_PERSON))
                return [SlotSet(CHECKIN_OPEN_SLOT, False)]
            dispatcher.utter_message(text=UNREAD_OUTCOME, buttons=buttons(*plan.OUTCOME_BUTTONS))
            return []
        events: List[EventType] = [SlotSet(OUTCOME_SLOT, outcome), SlotSet(CHECKIN_OPEN_SLOT, False),
                                   SlotSet(CHECKIN_DUE_SLOT, None)]
        if outcome == "better":
            dispatcher.utter_message(text=BETTER, buttons=buttons(SHOW_LOG))
            return events
        parts = [NOT_BETTER]
        runner_up = tracker.get_slot(RUNNER_UP_CAUSE_SLOT)
        if runner_up in CAUSE_LABELS and runner_up != tracker.get_slot(SUSPECTED_CAUSE_SLOT):
            parts.append(content.text("checkin_runner_up", cause=CAUSE_LABELS[runner_up]))
            parts.append(knowledge_base().entry(f"cause_{runner_up}").render())
        parts.append(content.text("checkin_consultant", contact=clinic().contact_line()))
        parts.append(content.text("checkin_again"))
        dispatcher.utter_message(text="\n\n".join(parts), buttons=buttons(plan.MORNING, plan.THREE_DAYS, TALK_TO_PERSON))
        return events
