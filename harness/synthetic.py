"""Synthetic but realistic Rasa conversations, as Rasa 3.6 stores them in its tracker store's events table.

`plans` decides what each conversation contains (channel, start, length, topics, red flags, hand-offs,
misunderstandings, forms, contact details, a return visit); `all_events` writes them out as stored
rows, interleaved in time order as Rasa stores overlapping chats. Seeded: the same random generator
gives the same conversations. Used by the review benchmark (eval/review_bench.py) and the indexer's
load test (tests/review/test_indexer.py).
"""
from __future__ import annotations

import heapq
import json
import math
import random
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import yaml

from coach.clinic import clinic
from coach.prompts import PROMPTS
from coach.replies import privacy_notice
from coach.safety import RedFlag, advice_for
from coach.vocabulary import CAUSES, FALLBACK_INTENT, RED_FLAG_INTENT
from harness import ROOT

DAYS = 90  # conversations spread over the last quarter, like a clinic's retention window
MIN_EVENTS_PER_CONVERSATION = 30  # a session start, a greeting and a few turns

MODEL_ID = "207ca1317c9d461387bba9fa7debbea7"
META = {"model_id": MODEL_ID, "assistant_id": "pumping-coach"}
# Rough shares of the clinic's channels.
CHANNELS = (("webchat", 0.60), ("telegram", 0.25), ("whatsapp", 0.15))
# Shares of conversations with each kind of trouble (the "realistic mix").
P_RED_FLAG = 0.03
P_HANDOFF = 0.03
P_FALLBACK_RUN = 0.05  # two to four misunderstood messages in a row
P_NEAR_MISS = 0.015  # any other message classified with 0.40-0.49 confidence (answered, but counted)
P_TROUBLESHOOT = 0.45
P_STORAGE = 0.25
P_CONTACT = 0.02  # a phone number or e-mail typed into the chat
P_RETURNING = 0.25  # a second session some days later
# Every intent the assistant knows, for realistic intent rankings.
ALL_INTENTS: List[str] = yaml.safe_load((ROOT / "domain.yml").read_text())["intents"]
# What parents ask about each topic ({mm}, {h} and {m} are filled in at random).
TOPIC_MESSAGES: Dict[str, List[str]] = {
    "ask_pump_choice": ["which pump should i buy", "is a manual pump good enough for exclusive pumping",
                        "hospital grade pump or a wearable one?", "my insurance covers a pump, which type"],
    "ask_flange_fit": ["how should my flange fit?", "i think my flanges are too big, im using {mm} mm",
                       "how do i measure my nipple for the flange size", "my nipple rubs the tunnel, wrong size?"],
    "ask_let_down": ["how do i trigger let-down", "milk takes forever to start flowing",
                     "no let-down when i pump at work"],
    "express_pumping_stress": ["i'm so stressed about pumping", "i hate pumping, it makes me cry every time",
                               "i feel like a failure because i get so little"],
    "ask_milk_storage": ["how long can thawed milk stay in the fridge", "can i refreeze breast milk",
                         "milk was left out for {h} hours is it ok", "how long is pumped milk good in the freezer"],
    "ask_cleaning": ["do i need to sterilise the pump parts every time", "how do i clean the tubing",
                     "can i put the parts in the dishwasher"],
    "ask_session_length": ["how long should each session be", "is {m} minutes enough per side",
                           "should i keep pumping after the milk stops"],
    "ask_power_pumping": ["what is power pumping", "does power pumping really work", "how often to power pump"],
    "ask_engorgement": ["my breasts are engorged and hard", "so full it hurts, should i pump more"],
    "ask_suction": ["what suction level should i use", "suction hurts on max setting", "is stronger suction better"],
    "ask_lubricant": ["can i use coconut oil on the flange", "my nipple sticks to the flange, should i use lube"],
    "ask_lactation_consultant": ["how do i find a lactation consultant", "can i see an ibclc near me"],
}
LOW_OUTPUT = ["i only get a few drops when i pump", "my pump gives almost nothing", "barely {ml} ml after {m} minutes",
              "output dropped a lot this week", "why is so little milk coming out", "i get maybe half an ounce total"]
# (red_flag slot value, what the parent wrote)
RED_FLAGS = [("mastitis", "i have a fever and a red, hot, painful lump in my breast"),
             ("nipple_damage", "there's blood in my milk and my nipple is cracked"),
             ("infant", "my baby hasn't had a wet diaper since yesterday"),
             ("mental_health", "i feel hopeless and can't stop crying"),
             ("fever", "i have a fever of 39 and chills")]
HANDOFF_TEXTS = ["can i talk to a real person please", "i want to speak to a nurse", "Talk to a person"]
FALLBACK_TEXTS = ["asdkj qwpoe", "lkjh poiu mnbv", "what about the thing from before", "is it the same for twins",
                  "pumpin wit no milk???", "ok but wat if its the other one", "hmm"]
SMALL_TALK = {"greet": ["hi", "hello", "hey there", "good morning"],
              "thank": ["thanks", "thank you so much", "that helps"],
              "goodbye": ["bye", "ok bye", "that's all thanks"], "affirm": ["yes", "yeah", "sure"],
              "deny": ["no", "not really"]}
CONTACT_TEXTS = ["my number is {phone}, can someone call me", "please email me at {email}",
                 "you can reach me on {phone} or {email}"]
# The forms' own questions and quick replies (coach/prompts.py): (slot, question, (title, value) pairs).
STORAGE_SLOTS = ("storage_place", "milk_state", "storage_hours")
TROUBLESHOOT = [(slot, q.text, q.options) for slot, q in PROMPTS.items() if slot not in STORAGE_SLOTS]
# storage_hours is a typed answer; these are typical ones, with the hours the parser reads.
TYPED_HOURS = (("3 hours", "3"), ("about 12 hours", "12"), ("2 days", "48"))
STORAGE = [(slot, PROMPTS[slot].text, PROMPTS[slot].options or TYPED_HOURS) for slot in STORAGE_SLOTS]
MAIN_BUTTONS = [{"title": t, "payload": t} for t in ("Little or no milk when I pump", "Is my stored milk OK?",
                                                     "How should my flange fit?", "Talk to a person")]
FIRST_NAMES = ["jo", "sam", "alex", "maria", "lena", "priya", "fatima", "kim", "ana", "emma"]

# One stored row of Rasa's events table, without its id: (sender_id, type_name, timestamp, intent_name,
# action_name, data).
Event = Tuple[str, str, float, Optional[str], Optional[str], str]


@dataclass
class Plan:
    """What one synthetic conversation contains, decided before its events are written."""
    sender_id: str
    channel: str
    start: float
    length: int  # events, exactly
    topics: List[str]
    red_flag: bool
    handoff: bool
    fallback_run: bool
    troubleshoot: bool
    storage: bool
    contact: bool
    returning: bool


def _weighted(rng: random.Random, pairs: Sequence[Tuple[str, float]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _sender_id(rng: random.Random, channel: str) -> str:
    # As the channels store them: web chat a random id, Telegram the chat id, WhatsApp the phone number.
    if channel == "telegram":
        return str(rng.randrange(10 ** 9, 10 ** 10))
    if channel == "whatsapp":
        return "447" + "".join(rng.choice("0123456789") for _ in range(9))
    return "%032x" % rng.getrandbits(128)


def lengths(rng: random.Random, conversations: int, total: int) -> List[int]:
    """Per-conversation event counts: log-normal around the mean, summing exactly to `total`."""
    mean = total / conversations
    low = max(1, min(MIN_EVENTS_PER_CONVERSATION, int(mean // 2)))
    high = max(low, int(mean * 4))
    sigma = 0.45
    raw = [rng.lognormvariate(math.log(mean) - sigma ** 2 / 2, sigma) for _ in range(conversations)]
    scale = total / sum(raw)
    sizes = [min(high, max(low, round(r * scale))) for r in raw]
    diff = total - sum(sizes)
    while diff:  # nudge random conversations by one event until the total is exact
        i = rng.randrange(conversations)
        step = 1 if diff > 0 else -1
        if low <= sizes[i] + step <= high:
            sizes[i] += step
            diff -= step
    return sizes


def plans(rng: random.Random, conversations: int, total: int, end: float) -> List[Plan]:
    sizes = lengths(rng, conversations, total)
    result, seen = [], set()
    for size in sizes:
        channel = _weighted(rng, CHANNELS)
        sender = _sender_id(rng, channel)
        while sender in seen:
            sender = _sender_id(rng, channel)
        seen.add(sender)
        topics = rng.sample(list(TOPIC_MESSAGES), rng.choice((1, 1, 2, 3)))
        result.append(Plan(
            sender_id=sender, channel=channel, start=end - rng.uniform(0.02, DAYS) * 86400, length=size, topics=topics,
            red_flag=rng.random() < P_RED_FLAG, handoff=rng.random() < P_HANDOFF,
            fallback_run=rng.random() < P_FALLBACK_RUN, troubleshoot=rng.random() < P_TROUBLESHOOT,
            storage=rng.random() < P_STORAGE or "ask_milk_storage" in topics, contact=rng.random() < P_CONTACT,
            returning=rng.random() < P_RETURNING))
    result.sort(key=lambda p: p.start)
    return result


class Writer:
    """Builds the events of one conversation in Rasa 3.6's stored format, with a running clock."""

    def __init__(self, rng: random.Random, plan: Plan):
        self.rng, self.plan, self.now = rng, plan, plan.start
        self.rows: List[Event] = []

    def _add(self, type_name: str, body: Dict[str, Any], intent: Optional[str] = None,
             action: Optional[str] = None, meta: Optional[Dict[str, Any]] = None) -> None:
        self.now += self.rng.uniform(0.0005, 0.03)  # the assistant's own steps take milliseconds
        data = {"event": type_name, "timestamp": self.now, "metadata": meta or META, **body}
        self.rows.append((self.plan.sender_id, type_name, self.now, intent, action, json.dumps(data)))

    def think(self, low: float = 4, high: float = 90) -> None:
        self.now += self.rng.uniform(low, high)  # the parent reading and typing

    # -- single events --

    def action(self, name: str, policy: Optional[str] = "RulePolicy", confidence: Optional[float] = 1.0) -> None:
        self._add("action", {"name": name, "policy": policy, "confidence": confidence, "action_text": None,
                             "hide_rule_turn": policy is not None}, action=name)

    def bot(self, text: str, buttons: Optional[List[Dict[str, str]]] = None, utter: Optional[str] = None) -> None:
        meta = {"utter_action": utter, **META} if utter else META
        self._add("bot", {"text": text, "data": {"elements": None, "quick_replies": None, "buttons": buttons,
                                                 "attachment": None, "image": None, "custom": None}}, meta=meta)

    def slot(self, name: str, value: Any) -> None:
        self._add("slot", {"name": name, "value": value}, action=name)

    def loop(self, name: Optional[str]) -> None:
        self._add("active_loop", {"name": name}, action=name)

    def user(self, text: str, intent: str, confidence: Optional[float] = None) -> None:
        rng = self.rng
        confidence = confidence if confidence is not None else rng.uniform(0.80, 0.9999)
        others = rng.sample([i for i in ALL_INTENTS if i != intent], 9)
        rest = sorted((rng.random() * (1 - confidence) / 3 for _ in others), reverse=True)
        ranking = [{"name": intent, "confidence": confidence}]
        ranking += [{"name": n, "confidence": c} for n, c in zip(others, rest, strict=True)]
        message_id = "%032x" % rng.getrandbits(128)
        tokens = [[m.start(), m.end()] for m in re.finditer(r"\w+", text)]
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text,
                 "message_id": message_id, "metadata": {}, "text_tokens": tokens, "intent_ranking": ranking}
        self._add("user", {"text": text, "parse_data": parse, "input_channel": self.plan.channel,
                           "message_id": message_id}, intent=intent)
        self._add("user_featurization", {"use_text_for_featurization": False})

    def listen(self) -> None:
        self.action("action_listen")

    # -- turns --

    def session_start(self) -> None:
        self.action("action_session_start", policy=None)
        self.bot(privacy_notice(clinic()))
        self._add("session_started", {})
        self.slot("privacy_notice_shown", True)
        self.action("action_listen", policy=None, confidence=None)

    def small_talk(self, intent: str) -> None:
        self.think()
        self.user(self.rng.choice(SMALL_TALK[intent]), intent)
        utter = {"greet": "utter_greet", "thank": "utter_you_are_welcome", "goodbye": "utter_goodbye",
                 "affirm": "utter_ok", "deny": "utter_ok"}[intent]
        self.action(utter)
        self.bot({"greet": "Hello! What would you like help with?", "thank": "You're welcome!",
                  "goodbye": "Take care. Come back any time.", "affirm": "Okay.", "deny": "Okay."}[intent],
                 MAIN_BUTTONS if intent == "greet" else None, utter)
        self.listen()

    def topic_question(self, intent: str) -> None:
        self.think()
        rng = self.rng
        text = rng.choice(TOPIC_MESSAGES[intent]).format(mm=rng.choice((21, 24, 27, 30)), h=rng.randint(2, 9),
                                                    m=rng.choice((10, 15, 20, 30)))
        near_miss = rng.random() < P_NEAR_MISS
        self.user(text, intent, rng.uniform(0.40, 0.49) if near_miss else None)
        self.action("action_answer_topic")
        self.bot(f"Here is what usually helps with {intent.removeprefix('ask_').replace('_', ' ')}: "
                 + "start gently, give it a few days, and keep notes of what changes. " * rng.randint(1, 3))
        self.action("utter_anything_else")
        self.bot("Is there anything else I can help you with?", MAIN_BUTTONS[:2] + MAIN_BUTTONS[3:],
                 "utter_anything_else")
        self.listen()

    def form(self, name: str, opener: Tuple[str, str], questions: Sequence[Tuple[str, str, Sequence]],
             finish: Callable[[], None]) -> None:
        """A Rasa form: the opening message, one question per slot, answers by quick reply or typed."""
        self.think()
        self.user(*opener)
        self.action(name)
        self.loop(name)
        for slot, question, replies in questions:
            self.slot("requested_slot", slot)
            offered = PROMPTS[slot].options  # typed answers (storage hours) come with no buttons
            self.bot(question, [{"title": t, "payload": t} for t, _ in offered] or None)
            self.listen()
            self.think(3, 30)
            title, value = self.rng.choice(replies)
            typed = self.rng.random() < 0.2  # some parents type instead of tapping
            self.user(title.lower() + (" i think" if typed else ""), "inform")
            self.action(name)
            self.slot(slot, value)
        self.slot("requested_slot", None)
        self.loop(None)
        finish()
        self.listen()

    def troubleshooting(self) -> None:
        rng = self.rng
        text = rng.choice(LOW_OUTPUT).format(ml=rng.randint(5, 40), m=rng.choice((15, 20, 30)))
        asked = rng.sample(TROUBLESHOOT, rng.randint(3, 6))

        def diagnose() -> None:
            cause, runner_up = rng.sample(CAUSES, 2)
            self.action("action_explain_diagnosis")
            self.slot("suspected_cause", cause)
            self.slot("runner_up_cause", runner_up)
            self.slot("troubleshooting_status", "done")
            self.bot(f"From your answers, the most likely reason is {cause.replace('_', ' ')}. Here is what to try "
                     "over the next few days, one change at a time.", [{"title": "That helps", "payload": "That helps"},
                                                                      MAIN_BUTTONS[3]])
        self.form("troubleshoot_form", (text, "report_low_output"), asked, diagnose)

    def storage(self) -> None:
        rng = self.rng
        text = rng.choice(TOPIC_MESSAGES["ask_milk_storage"]).format(h=rng.randint(2, 9))

        def verdict() -> None:
            self.action("action_storage_verdict")
            value = rng.choice(("fine", "use_soon", "throw_away"))
            self.slot("storage_verdict", value)
            self.bot({"fine": "That milk is fine to use.", "use_soon": "Use that milk within the next few hours.",
                      "throw_away": "To be safe, please throw that milk away."}[value])
        self.form("storage_form", (text, "ask_milk_storage"), STORAGE, verdict)

    def red_flag(self) -> None:
        self.think()
        value, text = self.rng.choice(RED_FLAGS)
        self.user(text, RED_FLAG_INTENT)
        self.action("action_handle_red_flag")
        self.bot(advice_for([RedFlag(value)], clinic()).text)
        self.slot("red_flag", value)
        self.listen()

    def handoff(self) -> None:
        self.think()
        self.user(self.rng.choice(HANDOFF_TEXTS), "request_human")
        self.action("action_handoff")
        self.slot("handoff_requested", True)
        self.bot("I've asked the clinic's lactation team to get in touch. They answer within one working day.")
        self.listen()

    def fallback(self) -> None:
        self.think()
        self.user(self.rng.choice(FALLBACK_TEXTS), FALLBACK_INTENT, 0.4)
        self.action("action_default_fallback", confidence=0.3)
        self.bot("I'm sorry, I didn't quite understand that. Could you say it another way, or pick one of these?",
                 MAIN_BUTTONS[:2] + MAIN_BUTTONS[3:], "utter_default")
        self._add("rewind", {})

    def contact(self) -> None:
        self.think()
        rng = self.rng
        phone_format = rng.choice(("+44 7700 900{:03d}", "(555) 010-{:04d}", "+1 555 01{:02d} 2233"))
        phone = phone_format.format(rng.randint(0, 99))
        email = f"{rng.choice(FIRST_NAMES)}.parent{rng.randint(1, 999)}@example.org"
        self.user(rng.choice(CONTACT_TEXTS).format(phone=phone, email=email), "inform", rng.uniform(0.55, 0.8))
        self.action("utter_ok")
        self.bot("Thank you. Please don't share contact details here; the clinic's team can be reached directly.",
                 utter="utter_ok")
        self.listen()


def conversation_events(rng: random.Random, plan: Plan, end: float) -> List[Event]:
    """The conversation's events in stored order, exactly `plan.length` of them."""
    w = Writer(rng, plan)
    w.session_start()
    if rng.random() < 0.6:
        w.small_talk("greet")
    # What matters to reviewers comes early, so a short conversation still keeps it.
    urgent = [w.red_flag] * plan.red_flag + [w.handoff] * plan.handoff + [w.contact] * plan.contact
    if plan.fallback_run:
        urgent += [w.fallback] * rng.randint(2, 4)
    main = [w.troubleshooting] * plan.troubleshoot + [w.storage] * plan.storage
    steps = urgent + main
    rng.shuffle(steps)
    for step in steps:
        step()
    returning = plan.returning
    while len(w.rows) < plan.length:  # then questions on the conversation's topics and small talk
        if returning and len(w.rows) > plan.length * 0.6 and w.now + 86400 < end:
            returning = False
            w.now += rng.uniform(1, min(10, (end - w.now) / 86400 - 0.01)) * 86400
            w.session_start()
        elif rng.random() < 0.75:
            w.topic_question(rng.choice(plan.topics))
        else:
            w.small_talk(rng.choice(("thank", "affirm", "deny", "goodbye")))
    return w.rows[:plan.length]


def all_events(rng: random.Random, conversation_plans: List[Plan], end: float) -> Iterator[Event]:
    """Every conversation's events interleaved in time order, as Rasa stores them when chats overlap.

    Conversations start in time order; one is written out when its start comes, and earlier events of
    the ones still running are released first (a heap), so only the running conversations are in memory.
    """
    heap: List[Tuple[float, int, Event]] = []
    seq = 0
    for plan in conversation_plans:
        while heap and heap[0][0] <= plan.start:
            yield heapq.heappop(heap)[2]
        for event in conversation_events(rng, plan, end):
            heapq.heappush(heap, (event[2], seq, event))
            seq += 1
    while heap:
        yield heapq.heappop(heap)[2]
