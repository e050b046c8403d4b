"""What the forms say when they ask for a slot: the question text, with their quick replies and the value each reply stands for.

Kept beside the parsers so a test can check that every button title reads back as its own value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Tuple


@dataclass(frozen=True)
class AskedQuestion:
    text: str
    options: Tuple[Tuple[str, str], ...]  # (button title, the value the parser must read from it)


PROMPTS: Mapping[str, AskedQuestion] = {
    "nursing_goes_well": AskedQuestion(
        "When your baby feeds straight from the breast, does that go well?",
        (("Yes, nursing goes well", "yes"), ("No, nursing is hard too", "no"), ("I only pump", "not_nursing")),
    ),
    "baby_gaining_well": AskedQuestion(
        "Is your baby gaining weight well, as far as you know?",
        (("Yes, gaining well", "yes"), ("No, not gaining well", "no"), ("Not sure", "unsure")),
    ),
    "pump_type": AskedQuestion(
        "What kind of pump are you using?",
        (("Manual", "manual"), ("Battery-powered", "battery"), ("Wearable", "wearable"), ("Electric", "electric"),
         ("Hospital-grade rental", "hospital_grade")),
    ),
    "pumping_pain": AskedQuestion(
        "Does pumping hurt?",
        (("No, it's comfortable", "none"), ("A bit sore", "some"), ("Yes, it hurts a lot", "painful")),
    ),
    "breasts_feel_full": AskedQuestion(
        "While little comes out, do your breasts still feel full?",
        (("Yes, they feel full", "yes"), ("No, they feel soft", "no")),
    ),
    "milk_flow_starts": AskedQuestion(
        "After a minute or two of pumping, does the milk start to spray or flow faster?",
        (("Yes, it starts flowing", "yes"), ("No, only drips", "no"), ("Not sure", "unsure")),
    ),
    "pumping_feelings": AskedQuestion(
        "How do you feel about your pumping sessions?",
        (("I'm fine with it", "calm"), ("Stressed or anxious", "stressed"), ("I hate it", "hate")),
    ),
    "suction_level": AskedQuestion(
        "What suction level do you usually use?",
        (("Low", "low"), ("Medium", "medium"), ("Highest", "high")),
    ),
    "flange_size": AskedQuestion(
        "Which flange size are you using?",
        (("Under 24 mm", "under_24"), ("24 mm or bigger", "24_or_more"), ("Not sure", "unsure")),
    ),
    "flange_fit": AskedQuestion(
        "How does the flange fit: does your nipple rub the sides, or does it leave marks?",
        (("Fits fine", "fine"), ("Rubs or leaves marks", "poor"), ("Not sure", "unsure")),
    ),
    "away_from_baby": AskedQuestion(
        "Do you mostly pump while you're away from your baby (at work, baby in hospital)?",
        (("Yes, away from my baby", "yes"), ("No, my baby is near", "no")),
    ),
    "breasts_ever_full": AskedQuestion(
        "Between feeds or pumping, do your breasts ever feel full or heavy?",
        (("Yes, they fill up", "yes"), ("No, never really", "no")),
    ),
    "parts_condition": AskedQuestion(
        "Are the pump's small parts (valves, membranes, connectors) in good shape and made for this pump? "
        "They stretch and wear out with daily use, and a part from another brand can lose suction.",
        (("Yes, fairly new and matching", "fine"), ("Old, worn or mixed brands", "worn"), ("Not sure", "unsure")),
    ),
    "let_down_with_baby": AskedQuestion(
        "When your baby nurses, or when you express by hand, does your milk let down and flow, even if the "
        "pump gets little?",
        (("Yes, it flows then", "yes"), ("No, not then either", "no"), ("Not sure", "unsure")),
    ),
    "storage_place": AskedQuestion(
        "Where has the milk been kept?",
        (("Room temperature", "room"), ("Fridge", "fridge"), ("Freezer", "freezer"), ("Deep freezer", "deep_freezer"),
         ("Cooler with ice packs", "cooler")),
    ),
    "milk_state": AskedQuestion(
        "Was it freshly pumped, thawed from frozen, or left over from a feed?",
        (("Freshly pumped", "fresh"), ("Thawed", "thawed"), ("Left over from a feed", "leftover")),
    ),
    "storage_hours": AskedQuestion(
        'About how long has it been there? For example "3 hours" or "2 days".',
        (),
    ),
}
# Which question a bot message is: how the transcript shows what was asked.
SLOT_BY_TEXT: Mapping[str, str] = {question.text: slot for slot, question in PROMPTS.items()}
