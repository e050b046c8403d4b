"""Red flags and requests for a human: the answers that must always reach a person."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import PARSERS, parse_requested
from actions.clinic import clinic
from actions.conversation import REQUESTED_SLOT, entity_values, latest_text
from actions.replies import CONTINUE_QUESTIONS, TALK_TO_PERSON, buttons
from actions.safety import RedFlag, advice_for, detect_red_flags, sort_by_urgency


def flags_in_message(entity_flags: List[str], text: str) -> List[RedFlag]:
    """Flags named by the NLU guard, else found again in the text, else 'unspecified'.

    The classifier alone may have chosen report_red_flag; that is still a red flag.
    """
    flags = [RedFlag(v) for v in entity_flags if v in RedFlag._value2member_map_]
    flags = flags or detect_red_flags(text)
    return sort_by_urgency(flags or [RedFlag.UNSPECIFIED])


class ActionHandleRedFlag(Action):
    def name(self) -> Text:
        return "action_handle_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = latest_text(tracker)
        flags = flags_in_message(entity_values(tracker, "red_flag"), text)
        advice = advice_for(flags, clinic())
        events: List[EventType] = [SlotSet("red_flag", flags[0].value)]
        # "No, he isn't gaining" is both a red flag and the answer to the question we asked.
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested in PARSERS and tracker.get_slot(requested) is None:
            value = parse_requested(requested, text)
            if value is not None:
                events.append(SlotSet(requested, value))
        follow = [TALK_TO_PERSON]
        if tracker.get_slot("troubleshooting_status") == "in_progress":
            follow.append(CONTINUE_QUESTIONS)
        dispatcher.utter_message(text=advice.text, buttons=buttons(*follow))
        return events


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        c = clinic()
        dispatcher.utter_message(
            text=(
                f"Of course. You can reach a person at {c.contact_line()}. If it feels urgent or it's outside "
                f"those hours, call {c.emergency_number}. I'll stay here if you want to keep talking meanwhile."
            )
        )
        return [SlotSet("handoff_requested", True)]


# Read the clinic file when the action server starts, so a broken file stops it with a clear
# message instead of failing in the middle of a red-flag answer.
clinic()
