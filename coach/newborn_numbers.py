"""Newborn danger signs that a parent gives as numbers, computed rather than matched.

safety/MAP.md, cells B8, B9 and B12: a parent rarely writes "my baby has lost too much weight"; she
writes "3.4 kg at birth, 3.0 now, day 4", "7lb 8oz born, 6lb 10oz today", "breathing like 70 times a
minute", "his temp is 38.3". The thresholds are the usual clinical ones: a loss of 10 % or more of birth
weight (the AAP and the ABM's protocol 3 ask for an evaluation at 10 %), 60 or more breaths a minute
(WHO's young-infant danger sign), and 38 °C / 100.4 °F or more in a baby (any fever in the first three
months needs a doctor the same day). Plain functions, tested with their own examples
(tests/unit/test_newborn_numbers.py); `coach.safety.detect_red_flags` calls `baby_sign_in_numbers`.
"""
from __future__ import annotations

import re
from typing import List, Optional

# A loss of this share of birth weight or more needs a professional now.
WEIGHT_LOSS_FLAG = 0.10
# Breaths a minute at or above which a young infant breathes too fast.
FAST_BREATHING = 60
# A baby's temperature at or above this is a fever (38 °C).
FEVER_C = 38.0
# Below this a newborn is too cold (WHO's definition of neonatal hypothermia, safety/MAP.md B8).
COLD_C = 36.5
LB_G = 453.592
OZ_G = 28.3495

_KG = re.compile(r"\b(\d(?:[.,]\d{1,3})?)\s*(?:kg|kgs|kilos?|kilograms?)\b")
_BARE_KG = re.compile(r"(?<![\d.,])(\d[.,]\d{1,3})(?![\d.,]|\s*(?:kg|kgs|kilos?|oz|ounces?|ml|mls|cc|lbs?|%|h\b|hrs?|hours?|"
                      r"mm|cm|months?|weeks?|days?))")
_GRAMS = re.compile(r"\b(\d{4})\s*(?:g|gr|grams?)\b")
# Pounds with or without ounces: "7lb 8oz", "7 lbs 8 oz", "7 pounds 8", "6lb". An ounce figure alone is milk.
_LB = re.compile(r"\b(\d{1,2}(?:[.,]\d)?)\s*(?:lb|lbs|pounds?)\b(?:\s*,?\s*(?:and\s+)?(\d{1,2}(?:[.,]\d)?)\s*(?:oz|ounces?)?\b)?")
_BIRTH = re.compile(r"\b(birth|born|bw|birthweight|delivery|at day (?:0|1)\b)")
_PERCENT_LOSS = re.compile(r"\b(?:lost|down|dropped|loss of|losing|lose)\s+(?:about |like |almost |nearly |over |around )?"
                           r"(\d{1,2}(?:[.,]\d)?)\s*(?:%|percent|per cent)")
_WEIGHT_WORD = re.compile(r"\b(weigh\w*|birth ?weight|bw|scale|kg|lbs?|grams?|percent of (?:her|his) weight)\b")
_BREATHS = re.compile(r"\b(\d{2,3})\s*(?:breaths?|times|x)\s*(?:a|per|each|/|in (?:a|one|1))\s*(?:min|minute)\b|"
                      r"\bbreath\w*[^.?!]{0,30}?\b(\d{2,3})\s*(?:a|per|/|times a|in (?:a|one|1))\s*(?:min|minute)\b|"
                      r"\b(?:resp\w*|breathing) rate[^.?!]{0,12}?\b(\d{2,3})\b")
# A baby named by age counts too ("3 week old, temp 35.9", "my 10 day old's temperature").
_BABY = re.compile(r"\b(baby|babe|bub|lo|newborn|infant|son|daughter|he|she|his|her|him|little one|dd|ds|"
                   r"\d+ ?(?:day|week|wk|month|mo)s?[ -]old)\b")
_TEMPERATURE = re.compile(r"\b(\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°|º|degrees?|deg)?\s*(c|f|celsius|fahrenheit)?\b")
_TEMP_WORD = re.compile(r"\b(temp\w*|fever\w*|thermometer|feels? (?:hot|warm)|burning up|reads?|read)\b")
# Someone other than the baby whose temperature it may be ("my temp", "i have", "husband", "toddler").
_NOT_BABY = re.compile(r"\b(my (?:own )?temp\w*|i(?:'m| am| have| had| feel)|me\b|husband|partner|wife|dh|toddler|"
                       r"big sister|big brother|older (?:son|daughter|one|kid)|grandma|grandmother|mom|mum|dad|nanny|dog|cat)\b")


def _number(token: str) -> float:
    return float(token.replace(",", "."))


def weights_in_grams(text: str) -> List[float]:
    """Every body weight in the text, in grams, in order of appearance (milk ounces are left out)."""
    found = [(m.start(), _number(m.group(1)) * 1000) for m in _KG.finditer(text)]
    if found:  # "3.4 kg at birth, 3.0 now": a bare decimal beside a weight in kg is in kg too
        taken = {start for start, _ in found}
        found += [(m.start(), _number(m.group(1)) * 1000) for m in _BARE_KG.finditer(text) if m.start() not in taken]
    found += [(m.start(), float(m.group(1))) for m in _GRAMS.finditer(text) if 1500 <= float(m.group(1)) <= 7000]
    for m in _LB.finditer(text):
        grams = _number(m.group(1)) * LB_G + (_number(m.group(2)) * OZ_G if m.group(2) else 0.0)
        found.append((m.start(), grams))
    return [grams for _, grams in sorted(found) if 1500 <= grams <= 7000]  # a newborn's range


def weight_loss(text: str) -> Optional[float]:
    """The share of birth weight lost, from two weights with a birth cue, or from a percentage said."""
    percent = _PERCENT_LOSS.search(text)
    if percent and (_WEIGHT_WORD.search(text) or _BIRTH.search(text)):
        return _number(percent.group(1)) / 100
    weights = weights_in_grams(text)
    if len(weights) < 2 or not _BIRTH.search(text):
        return None
    birth, now = weights[0], weights[-1]
    return (birth - now) / birth if birth > 0 else None


def breaths_a_minute(text: str) -> Optional[int]:
    match = _BREATHS.search(text)
    if not match:
        return None
    return int(next(g for g in match.groups() if g))


def baby_temperature_c(text: str) -> Optional[float]:
    """A temperature said of the baby, in °C; None when none is said or it may be someone else's."""
    if not _TEMP_WORD.search(text) or not _BABY.search(text) or _NOT_BABY.search(text):
        return None
    for match in _TEMPERATURE.finditer(text):
        value, unit = _number(match.group(1)), (match.group(2) or "").lower()
        if unit.startswith("f") or (not unit and 95 <= value <= 108):
            return round((value - 32) * 5 / 9, 1)
        if unit.startswith("c") or (not unit and 35 <= value <= 42.5):
            return value
    return None


def baby_sign_in_numbers(text: str) -> bool:
    """Does ``text`` (normalised) give a newborn danger sign as numbers?"""
    loss = weight_loss(text)
    if loss is not None and loss >= WEIGHT_LOSS_FLAG:
        return True
    breaths = breaths_a_minute(text)
    if breaths is not None and FAST_BREATHING <= breaths <= 200:
        return True
    temperature = baby_temperature_c(text)
    return temperature is not None and (temperature >= FEVER_C or temperature < COLD_C)
