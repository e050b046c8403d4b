"""Start of each conversation session: the privacy notice, and which facts carry over."""
from __future__ import annotations

import time
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker import last_user_at
from coach.clinic import clinic
from coach.replies import privacy_notice
from coach.sessions import carried_slots, continues_conversation


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        expiration = (domain.get("session_config") or {}).get("session_expiration_time")
        continuing = continues_conversation(last_user_at(tracker), time.time(), expiration)
        events: List[EventType] = [SessionStarted()]
        events += [SlotSet(slot, value) for slot, value in carried_slots(tracker.slots, continuing).items()]
        form = (tracker.active_loop or {}).get("name") if continuing else None
        if form:
            events.append(ActiveLoop(form))
        if not tracker.get_slot("privacy_notice_shown"):
            dispatcher.utter_message(text=privacy_notice(clinic()))
            events.append(SlotSet("privacy_notice_shown", True))
        events.append(ActionExecuted("action_listen"))
        return events
