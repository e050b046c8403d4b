"""Entity-ruler patterns for the project's spaCy pipeline.

Rasa's SpacyEntityExtractor re-runs the pipeline on the original, case-preserved text, so every
token pattern matches on LOWER. Labels are the entity names declared in domain.yml.
"""
from __future__ import annotations

from typing import Dict, List, Union

Pattern = Dict[str, Union[str, List[Dict[str, object]]]]


def _phrases(label: str, phrases: List[str]) -> List[Pattern]:
    return [{"label": label, "pattern": [{"LOWER": word} for word in phrase.split()]} for phrase in phrases]


_NUM = {"LIKE_NUM": True}
_DURATION_UNITS = ["min", "mins", "minute", "minutes", "hour", "hours", "hr", "hrs", "h",
                   "day", "days", "night", "nights", "week", "weeks", "month", "months", "year", "years"]


def patterns() -> List[Pattern]:
    out: List[Pattern] = []
    out += _phrases("pump_type", [
        "manual", "manual pump", "hand pump", "haakaa", "battery", "battery pump", "battery powered",
        "battery-powered", "rechargeable", "wearable", "wearable pump", "hands free", "hands-free", "elvie",
        "willow", "momcozy", "electric", "electric pump", "double electric", "spectra", "medela",
        "hospital grade", "hospital-grade", "hospital pump", "rental", "rental pump", "symphony",
    ])
    # Flange sizes: "24mm" tokenises as one token in spaCy's English tokenizer rules, "24 mm" as two.
    millimetres = ["mm", "millimeter", "millimeters", "millimetre", "millimetres"]
    out.append({"label": "flange_size", "pattern": [_NUM, {"LOWER": {"IN": millimetres}}]})
    out.append({"label": "flange_size", "pattern": [{"LOWER": {"REGEX": r"^\d{2}(\.\d)?mm$"}}]})
    out.append({"label": "duration", "pattern": [
        {"LOWER": {"IN": ["a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                          "ten", "twelve", "couple", "few", "half"]}, "OP": "?"},
        {"LOWER": {"IN": ["of", "an", "a"]}, "OP": "?"},
        {"LIKE_NUM": True, "OP": "?"},
        {"LOWER": {"IN": _DURATION_UNITS}},
    ]})
    out.append({"label": "duration", "pattern": [{"LOWER": {"REGEX": r"^\d+(\.\d+)?(h|hr|hrs|d|min|mins)$"}}]})
    out += _phrases("duration", [
        "since yesterday", "yesterday", "last night", "overnight", "this morning", "all day", "all night",
        "last week", "day before yesterday", "earlier today",
    ])
    out += _phrases("storage_place", [
        "counter", "countertop", "room temperature", "room temp", "on the table", "left out", "fridge",
        "refrigerator", "freezer", "deep freezer", "chest freezer", "cooler", "cooler bag", "ice pack",
        "ice packs", "insulated bag",
    ])
    out += _phrases("milk_state", [
        "fresh", "freshly pumped", "just pumped", "thawed", "defrosted", "thawing", "leftover", "left over",
        "leftovers", "half drunk",
    ])
    out += _phrases("pain", [
        "hurts", "hurt", "hurting", "painful", "pain", "sore", "pinches", "pinching", "burns", "burning",
        "rubbing", "uncomfortable", "comfortable", "no pain", "ouch", "tender",
    ])
    out += _phrases("feeling", [
        "stressed", "stress", "anxious", "anxiety", "hate", "hate pumping", "dread", "worried", "nervous",
        "overwhelmed", "frustrated", "guilty", "embarrassed", "awkward", "calm", "relaxed", "sad",
    ])
    return out
