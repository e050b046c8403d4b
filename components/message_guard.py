"""The last NLU step: safety and language checks that no classifier score can overrule.

* A red flag found by the phrase rules in ``coach.safety`` sets the intent to report_red_flag with
  confidence 1.0 and adds a ``red_flag`` entity per kind, so the red-flag rule always fires.
* When only the classifier says report_red_flag, and the text holds no word a red flag could be told
  in, or only reassurances ("6 wet diapers", "no fever"), its next guess is taken instead: an alarm
  for "sometimes yes sometimes no" frightens a parent for nothing. Plausible suspicions stay, and
  the red-flag action asks one short check before escalating.
* When the rules find nothing, the red-flag model (``coach.safety_model``) reads the message too: a
  sign told without the rules' words ("he's like a doll, no strength") becomes report_red_flag with
  a ``red_flag_suspected`` entity naming its kind, which words the one check. Where the model sees a
  little of a sign but not enough, the sentence encoder (``coach.encoder``) reads it as well, and its
  suspicion asks the same check. Where the model is sure
  there is no sign, the classifier's own red-flag guess falls.
* Text with letters but no word from the training data ("asdkj qwpoe zzxv") is a fallback, however
  sure the classifier is.
* A report of little or no milk that the classifier filed under another topic (let-down, suction,
  flange, pump, stress, small talk...) goes to the troubleshooting, which weighs every clue.
* A question about one batch of kept milk that the classifier filed elsewhere ("pumpd at 1am left on
  nighstand its 4 now ok??") goes to the stored-milk form (``coach.storage.asks_about_stored_milk``).
* A pumping-log message ("pumped 45 ml", "sorry, 40 not 45", "delete that", "show my log") goes to
  the log (``coach.pumping_log.log_request``); a question with an amount ("is 45 ml normal?") does not.
* Text mostly in a non-Latin script, or made of common function words of other languages and none
  of English, becomes non_english: the classifier has no features for scripts it never saw and
  would otherwise guess a topic.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import rasa_patches
from coach.checkins import Request, checkin_request, is_outcome_statement, read_outcome
from coach.encoder import default_reader
from coach.erase_requests import is_erase_request
from coach.person_requests import asks_for_a_person
from coach.pumping_log import LogRequest, log_request
from coach.safety import classifier_flag_is_implausible, detect_red_flags
from coach.safety_model import VETO_BELOW, Suspicion, default_model, nlu_messages, safety_examples
from coach.storage import asks_about_stored_milk
from coach.suspicion import suspicion as readers_suspicion
from coach.vocabulary import (
    CHECKIN_INTENTS,
    CHECKIN_OUTCOME_INTENT,
    CORRECT_LOG_INTENT,
    DELETE_LOG_INTENT,
    ERASE_REQUEST_INTENT,
    FALLBACK_INTENT,
    GOODBYE_INTENT,
    LOG_INTENT,
    LOG_INTENTS,
    LOW_OUTPUT_INTENT,
    NON_ENGLISH_INTENT,
    RED_FLAG_INTENT,
    RED_FLAG_SLOT,
    REQUEST_HUMAN_INTENT,
    SCHEDULE_CHECKIN_INTENT,
    SHOW_LOG_INTENT,
    STOP_CHECKINS_INTENT,
    STOP_INTENT,
    STORAGE_INTENT,
    SUSPECTED_KIND_ENTITY,
)

# A report of little or no milk is, to the parent, the thing to solve, whatever else the message
# touches ("full breasts but nothing comes out", "I dread it and get 15 ml"): the troubleshooting
# weighs those clues with the others. Intents that must keep their own path are left alone.
KEEP_INTENT = {RED_FLAG_INTENT, REQUEST_HUMAN_INTENT, STORAGE_INTENT, NON_ENGLISH_INTENT, STOP_INTENT, GOODBYE_INTENT,
               LOW_OUTPUT_INTENT}
_LOW_OUTPUT = re.compile(
    r"\b(nothing|no milk|(very |so )?little( or no)? milk|little (comes|coming) out|barely any(thing)?|"
    r"hardly any(thing)?|(barely|hardly) (get|getting|got|pump|pumping|make|making|produce|producing) "
    r"(any|anything|much|milk|a thing)|"
    r"so little|next to nothing|almost no milk|not (get|getting|pumping) (much|any)( milk)?|"
    r"(only|just) ((get|getting|got|pump|pumping) )?(a few )?(drops|drips|dribbles)|few drops|"
    r"not much (milk|comes out)|(only|just|barely|about|like|maybe) (get |getting |got |pump |pumping )?(like |about |maybe )?"
    r"(\d+([.,/]\d+)?|half an?|a quarter) ?(ml|oz|ounces?)|"
    r"(almost|practically|basically) nothing|output (is|has) (so )?(low|dropped|tanked|terrible))\b"
)
# A wish to reach a person already gets the human-contact answer; the red-flag model does not
# replace it with a check. (A red flag the classifier already chose needs no second opinion.)
MODEL_KEEPS = {RED_FLAG_INTENT, REQUEST_HUMAN_INTENT}
# What the pumping log is asked for; intents that keep their own path whatever else the text says.
_LOG_INTENT = {LogRequest.LOG: LOG_INTENT, LogRequest.CORRECT: CORRECT_LOG_INTENT, LogRequest.DELETE: DELETE_LOG_INTENT,
               LogRequest.SHOW: SHOW_LOG_INTENT}
_LOG_KEEPS = {RED_FLAG_INTENT, REQUEST_HUMAN_INTENT, STORAGE_INTENT, NON_ENGLISH_INTENT, STOP_INTENT, GOODBYE_INTENT}
_CHECKIN_INTENT = {Request.SCHEDULE: SCHEDULE_CHECKIN_INTENT, Request.DECLINE: SCHEDULE_CHECKIN_INTENT,
                   Request.STOP: STOP_CHECKINS_INTENT}
# A flange is part of the pump: "flange rubs, barely get 1oz" is about pumping too.
_PUMPING = re.compile(r"\b(pump\w*|comes? out|coming out|output|expressing|flanges?)\b")

# Share of letters outside the Latin script above which a message is taken as not English; emoji
# and digits are not letters, so "ok 👍" stays English.
NON_LATIN_SHARE = 0.5
# Frequent words of the other languages parents here write in, none of which is also an English word
# (and English words that other languages share, such as "no" and "a", are left out of _ENGLISH).
_FOREIGN = set(
    "el la los las una por para pero leche bebé bebe tengo mi sacaleches extractor cómo como qué que "
    "puedo hola gracias mucho muy está esta le les des une je suis mon ma lait bonjour merci est avec "
    "pas pour der die das und ich nicht milch mein meine ist mit hallo danke wie eu não nao meu minha "
    "leite obrigada obrigado bom dia sono il di latte ciao grazie non mijn melk het een niet ik hoe "
    "moje mleko jest nie dziecko süt bebeğim merhaba teşekkür".split()
)
_ENGLISH = set(
    "the an my is it and to of in not but how what why when can do does pump milk baby breast "
    "help yes ok okay thanks hi hello".split()
)


def _is_latin_letter(ch: str) -> bool:
    return "LATIN" in unicodedata.name(ch, "")


def looks_non_english(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    non_latin = sum(1 for ch in letters if not _is_latin_letter(ch))
    if non_latin / len(letters) > NON_LATIN_SHARE:
        return True
    words = re.findall(r"[^\W\d_]+", text.lower())
    foreign = sum(1 for w in words if w in _FOREIGN)
    english = sum(1 for w in words if w in _ENGLISH)
    # Loan words and names ("la leche league", "hola mama") leave English text in the majority.
    return foreign >= 2 and foreign > 2 * english


_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def known_words() -> frozenset:
    """Every word of the assistant's training messages and the red-flag model's examples (typos included)."""
    texts = [text for _, text in nlu_messages()] + [text for text, _ in safety_examples()]
    return frozenset(word for text in texts for word in _WORD.findall(text.lower()))


def looks_like_gibberish(text: str) -> bool:
    """Letters, but not one word any parent in the training data ever used ("asdkj qwpoe zzxv").

    Emoji, numbers and punctuation alone are not gibberish ("👍", "24"), and one known word is enough
    ("lkjh my pump"), so a typo-ridden message with a single recognisable word still reaches the classifier.
    """
    words = _WORD.findall(text.lower())
    return sum(len(w) for w in words) >= 4 and not any(w in known_words() for w in words)


def reports_low_output(text: str) -> bool:
    clean = text.lower()
    return bool(_LOW_OUTPUT.search(clean) and _PUMPING.search(clean))




def suspected_sign(text: str) -> Optional[Suspicion]:
    """The red-flag model's suspicion, else the sentence encoder's (coach.suspicion)."""
    return readers_suspicion(text)


# Where the parse data says which step decided the intent (the review app shows it beside the message).
DECIDED_BY = "decided_by"


def _decided(message: Message, step: str, detail: str = "") -> None:
    message.set(DECIDED_BY, {"step": step, "detail": detail}, add_to_output=True)


def _demote(message: Message, intents: "tuple[str, ...]", step: str) -> None:
    """The classifier alone chose one of ``intents`` for text the plain rules say is not one: take its next guess."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in intents]
    intent = dict(ranking[0]) if ranking else {"name": FALLBACK_INTENT, "confidence": 1.0}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    _decided(message, step, f"classifier's next guess, {float(intent.get('confidence') or 0):.2f}")


def _override_intent(message: Message, name: str, step: str, detail: str = "") -> None:
    _decided(message, step, detail)
    intent = {"name": name, "confidence": 1.0}
    message.set(INTENT, intent, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
    message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MessageGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageGuard":
        # Train the red-flag model and gather the known words now (a second or two), not on a parent's
        # first message.
        default_model()
        default_reader()
        known_words()
        # The entry points install the project's Rasa patches first (rasa_patches/__init__.py lists
        # them); this call (idempotent) covers any other way of loading the model, such as Agent.load
        # in a script, so that every loaded model runs the same Rasa.
        rasa_patches.install()
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.guard(message)
        return messages

    @staticmethod
    def guard(message: Message) -> None:
        text: Optional[str] = message.get(TEXT)
        if not text:
            return
        # The steps below run in this order and the first that applies decides; until one does, the
        # intent classifier's answer stands.
        _decided(message, "classifier", f"{float((message.get(INTENT) or {}).get('confidence') or 0):.2f}")
        flags = detect_red_flags(text)
        # The red-flag model's reading, once per message: both branches below weigh it.
        suspicion = None if flags else suspected_sign(text)
        if not flags and not suspicion and (message.get(INTENT) or {}).get("name") == REQUEST_HUMAN_INTENT \
                and not asks_for_a_person(text):
            # The classifier alone took a message with no word for a person for a request for one ("the
            # pump is only getting drips"); its next guess is weighed by the steps below. Never where a
            # sign is read or suspected: then the safety steps decide.
            _demote(message, (REQUEST_HUMAN_INTENT,), "request-a-person words (none found)")
        if flags:
            _override_intent(message, RED_FLAG_INTENT, "red-flag rule", ", ".join(flag.value for flag in flags))
            entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != RED_FLAG_SLOT]
            # The red-flag model's reading goes with the rules' finding: where it doubts the sign, the
            # action confirms it with one question (coach.safety.decide).
            probability = round(default_model().flag_probability(text), 3)
            entities += [
                {"entity": RED_FLAG_SLOT, "value": flag.value, "start": 0, "end": len(text),
                 "confidence_entity": probability, "extractor": "MessageGuard"}
                for flag in flags
            ]
            message.set(ENTITIES, entities, add_to_output=True)
        elif (message.get(INTENT) or {}).get("name") == RED_FLAG_INTENT and (
                (classifier_flag_is_implausible(text) and not suspicion)
                or (default_model().flag_probability(text) < VETO_BELOW and not suspicion)):
            # When the red-flag model suspects a sign too, the classifier's suspicion stands even without a
            # sign word (the model learnt "she won't wake up properly"); when the model is sure there is
            # none, it falls even with one (the pink of a warm compress).
            # Nor a request for a person the words do not make ("No, no fever, nothing red or sore" had
            # that as the classifier's next guess, at 0.02).
            _demote(message, (RED_FLAG_INTENT,) if asks_for_a_person(text) else (RED_FLAG_INTENT, REQUEST_HUMAN_INTENT),
                    "red-flag veto (no sign the rules or the model see)")
            if (message.get(INTENT) or {}).get("name") not in KEEP_INTENT and reports_low_output(text):
                _override_intent(message, LOW_OUTPUT_INTENT, "low-output words")
        elif (message.get(INTENT) or {}).get("name") not in MODEL_KEEPS and suspicion:
            # The red-flag model suspects a sign the rules have no words for ("he's like a doll, no
            # strength"): one short safety check follows, worded for the kind it suspects.
            _override_intent(message, RED_FLAG_INTENT, suspicion.reader, f"{suspicion.kind}, {suspicion.probability:.2f}")
            entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != SUSPECTED_KIND_ENTITY]
            entities.append({"entity": SUSPECTED_KIND_ENTITY, "value": suspicion.kind, "start": 0, "end": len(text),
                             "confidence_entity": suspicion.probability, "extractor": "MessageGuard"})
            message.set(ENTITIES, entities, add_to_output=True)
        elif looks_non_english(text):
            _override_intent(message, NON_ENGLISH_INTENT, "language check")
        elif looks_like_gibberish(text):
            # "asdkj qwpoe zzxv": the classifier, trained on nothing like it, can be sure it is "inform".
            _override_intent(message, FALLBACK_INTENT, "no known word")
        elif is_erase_request(text):
            # "Delete my conversation": one question confirms it (data/rules/erase.yml). After the red-flag
            # steps, so a sign told in the same message is answered first.
            _override_intent(message, ERASE_REQUEST_INTENT, "erase-request words")
        elif checkin := checkin_request(text):
            # "Tomorrow morning" (the offer's button), "stop the check-ins": plain rules, like the log.
            _override_intent(message, _CHECKIN_INTENT[checkin], "check-in words")
        elif is_outcome_statement(text):
            # "Better", "about the same", "it didn't help": the check-in's answer. A pending
            # troubleshooting question still reads it as an answer first (coach/turns.py).
            _override_intent(message, CHECKIN_OUTCOME_INTENT, "check-in outcome words")
        elif (request := log_request(text, datetime.now())) and (message.get(INTENT) or {}).get("name") not in _LOG_KEEPS:
            # "pumped 45 ml", "sorry, 40 not 45", "delete that", "show my log" (the time only places a
            # session, and the action reads it again with the parent's own clock).
            _override_intent(message, _LOG_INTENT[request], "pumping-log words")
        else:
            MessageGuard._redirect_topic(message, text)

    @staticmethod
    def _redirect_topic(message: Message, text: str) -> None:
        """The classifier's topic, corrected where the plain rules know better."""
        name = (message.get(INTENT) or {}).get("name")
        if name == ERASE_REQUEST_INTENT:
            # Only the plain rules ask to erase a conversation (is_erase_request found none here).
            _demote(message, (ERASE_REQUEST_INTENT,), "erase-request words (none found)")
        elif name in CHECKIN_INTENTS and not (name == CHECKIN_OUTCOME_INTENT and read_outcome(text)):
            # The rules above decide bookings and stops; the classifier's guess of an outcome stands only
            # where the words read as one (the action records it only when a check-in asked, or a
            # diagnosis was given and the message plainly reports one).
            _demote(message, CHECKIN_INTENTS, "check-in words (none found)")
        elif name in LOG_INTENTS:
            # The plain rules decide what is a log, as they do for red flags (log_request found none
            # here): the classifier also files junk ('inform{"red_flag": null}') and stored-milk
            # questions ("pumped at work at 9, kept it in the fridge...") under the log intents. Its next
            # guess is taken, and still weighed below.
            _demote(message, LOG_INTENTS, "pumping-log words (none found)")
        name = (message.get(INTENT) or {}).get("name")
        low_output = reports_low_output(text)
        if name not in KEEP_INTENT and low_output:
            _override_intent(message, LOW_OUTPUT_INTENT, "low-output words")
        elif name not in KEEP_INTENT - {LOW_OUTPUT_INTENT} and not low_output and asks_about_stored_milk(text):
            # The classifier also files "pumped at 1am ... ok??" under low output; without an amount or
            # "nothing comes out", a kept batch with a usable-question is the storage question.
            _override_intent(message, STORAGE_INTENT, "stored-milk question")
