"""One ``action_ask_<slot>`` per form question: Rasa's forms call these to put a question."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from coach.prompts import PROMPTS
from coach.replies import buttons


class AskQuestion(Action, ABC):
    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        question = PROMPTS[self.slot]
        dispatcher.utter_message(text=question.text, buttons=buttons(*(title for title, _ in question.options)))
        return []


# rasa_sdk registers every Action subclass it can find; one named class per question, so a search for
# an action's name (action_ask_pump_type) finds its class.

class AskNursingGoesWell(AskQuestion):
    slot = "nursing_goes_well"  # action_ask_nursing_goes_well


class AskBabyGainingWell(AskQuestion):
    slot = "baby_gaining_well"  # action_ask_baby_gaining_well


class AskPumpType(AskQuestion):
    slot = "pump_type"  # action_ask_pump_type


class AskPumpingPain(AskQuestion):
    slot = "pumping_pain"  # action_ask_pumping_pain


class AskBreastsFeelFull(AskQuestion):
    slot = "breasts_feel_full"  # action_ask_breasts_feel_full


class AskMilkFlowStarts(AskQuestion):
    slot = "milk_flow_starts"  # action_ask_milk_flow_starts


class AskPumpingFeelings(AskQuestion):
    slot = "pumping_feelings"  # action_ask_pumping_feelings


class AskSuctionLevel(AskQuestion):
    slot = "suction_level"  # action_ask_suction_level


class AskFlangeSize(AskQuestion):
    slot = "flange_size"  # action_ask_flange_size


class AskFlangeFit(AskQuestion):
    slot = "flange_fit"  # action_ask_flange_fit


class AskAwayFromBaby(AskQuestion):
    slot = "away_from_baby"  # action_ask_away_from_baby


class AskBreastsEverFull(AskQuestion):
    slot = "breasts_ever_full"  # action_ask_breasts_ever_full


class AskPartsCondition(AskQuestion):
    slot = "parts_condition"  # action_ask_parts_condition


class AskLetDownWithBaby(AskQuestion):
    slot = "let_down_with_baby"  # action_ask_let_down_with_baby


class AskStoragePlace(AskQuestion):
    slot = "storage_place"  # action_ask_storage_place


class AskMilkState(AskQuestion):
    slot = "milk_state"  # action_ask_milk_state


class AskStorageHours(AskQuestion):
    slot = "storage_hours"  # action_ask_storage_hours
