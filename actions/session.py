"""Start of each conversation session: the privacy notice, and which facts carry over."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from coach.replies import PRIVACY_NOTICE
from coach.vocabulary import (
    CHECKIN_DUE_SLOT,
    CHECKIN_FROM_SLOT,
    CHECKIN_OPEN_SLOT,
    RUNNER_UP_CAUSE_SLOT,
    SUSPECTED_CAUSE_SLOT,
)

# Facts about the person that stay true from one day to the next, and the pumping log, which is
# only useful over days. Troubleshooting answers do not carry over: how pumping feels today may differ
# from last week.
DURABLE_SLOTS = ("privacy_notice_shown", "pump_type", "flange_size_mm", "pumping_log")
# While a check-in waits or its question is unanswered, what it asks about carries over too: the
# answer usually comes the next day, in a new session.
CHECKIN_SLOTS = (CHECKIN_DUE_SLOT, CHECKIN_FROM_SLOT, CHECKIN_OPEN_SLOT, SUSPECTED_CAUSE_SLOT, RUNNER_UP_CAUSE_SLOT)


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        carried = DURABLE_SLOTS
        if tracker.get_slot(CHECKIN_DUE_SLOT) is not None or tracker.get_slot(CHECKIN_OPEN_SLOT):
            carried += CHECKIN_SLOTS
        events += [SlotSet(slot, tracker.get_slot(slot)) for slot in carried if tracker.get_slot(slot) is not None]
        if not tracker.get_slot("privacy_notice_shown"):
            dispatcher.utter_message(text=PRIVACY_NOTICE)
            events.append(SlotSet("privacy_notice_shown", True))
        events.append(ActionExecuted("action_listen"))
        return events
