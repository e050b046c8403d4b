"""Answers to single-question topics, straight from the knowledge base."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker import latest_intent, latest_text
from coach.knowledge import extra_entries, knowledge_base
from coach.replies import CONTINUE_QUESTIONS, FALLBACK, LOW_OUTPUT, TALK_TO_PERSON, buttons
from coach.vocabulary import TROUBLESHOOT_FORM, TROUBLESHOOTING_STATUS_SLOT, troubleshooting_unfinished


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        entry = knowledge_base().for_topic(latest_intent(tracker) or "")
        if entry is None:
            dispatcher.utter_message(response="utter_please_rephrase")
            return []
        in_form = (tracker.active_loop or {}).get("name") == TROUBLESHOOT_FORM
        # Inside the form the next question follows at once, so no buttons that would compete with it.
        follow = [] if in_form else buttons(LOW_OUTPUT, TALK_TO_PERSON)
        if not in_form and troubleshooting_unfinished(tracker.get_slot(TROUBLESHOOTING_STATUS_SLOT)):
            follow = buttons(CONTINUE_QUESTIONS, TALK_TO_PERSON)
        kb = knowledge_base()
        parts = [entry.render()] + [kb.entry(extra).render() for extra in extra_entries(entry.topic or "", latest_text(tracker))]
        dispatcher.utter_message(text="\n\n".join(parts), buttons=follow)
        return []


class ActionDefaultFallback(Action):
    """Replaces Rasa's default fallback so its text lives with the other replies, with a way to a person."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=FALLBACK, buttons=buttons(LOW_OUTPUT, TALK_TO_PERSON))
        return [UserUtteranceReverted()]


# Load (and so check) the knowledge base when the action server starts, not on the first question.
knowledge_base()
