"""One ``action_ask_<slot>`` per form question: Rasa's forms call these to put a question."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.questions import QUESTIONS
from actions.replies import buttons


class AskQuestion(Action, ABC):
    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        question = QUESTIONS[self.slot]
        dispatcher.utter_message(text=question.text, buttons=buttons(*(title for title, _ in question.options)))
        return []


# rasa_sdk registers every Action subclass it can find, so one subclass per question is enough.
for _slot in QUESTIONS:
    _name = "Ask" + "".join(part.title() for part in _slot.split("_"))
    globals()[_name] = type(_name, (AskQuestion,), {"slot": _slot})
