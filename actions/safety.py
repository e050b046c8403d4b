"""Deterministic red-flag rules, run on every user message.

The classifier can miss a warning sign phrased in a way it never saw; these phrase rules cannot be
talked out of one. They favour catching too much: a false alarm costs a parent one extra suggestion
to call the clinic, a miss can cost far more.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, List, Pattern, Sequence, Tuple


class RedFlag(str, Enum):
    # Ordered by urgency: the answer names the most urgent first.
    MENTAL_HEALTH = "mental_health"
    INFANT = "infant"
    MASTITIS = "mastitis"
    FEVER = "fever"
    NIPPLE_DAMAGE = "nipple_damage"
    UNSPECIFIED = "unspecified"


URGENCY_ORDER: Tuple[RedFlag, ...] = tuple(RedFlag)

# A negation this close before a symptom word cancels it ("no fever", "not bleeding").
_NEGATION = re.compile(r"\b(no|not|never|without|don'?t have|dont have|isn'?t|aren'?t|wasn'?t|no sign of)\s+(\w+\s+){0,1}$")

_FEVER = (
    r"(fever|feverish|temp(erature)? of|high temp|chills|shiver\w*|shaking|flu[- ]?like|body aches?|achy all over|"
    r"aches all over|sweats|\b(have|has|got|running|run|with) (a )?(high |bit of a )?(temp|temperature)\b|"
    r"\btemp(erature)? (is|was|of|at) (3[89]|4[01]|99|10[0-5])|\b(3[89]|4[01]|10[0-5])([.,]\d)? ?(°|degrees|c|f)\b)"
)
_BREAST_SIGN = (
    r"(red|redness|reddish|hot|warm to (the )?touch|swollen|swelling|hard lump|lump|wedge|hard spot|"
    r"streaks?|inflamed|burning)"
)
_PAIN = r"(pain\w*|sore|hurts?|hurting|tender|aching|agony|lump|hard)"

_RULES: Sequence[Tuple[RedFlag, Pattern[str]]] = tuple(
    (flag, re.compile(pattern))
    for flag, pattern in (
        # Thoughts of self-harm, of harming the baby, or deep low mood: crisis line first.
        (RedFlag.MENTAL_HEALTH, r"\b(kill(ing)? my ?self|suicid\w*|self[- ]?harm\w*|hurt(ing)? my ?self|harm(ing)? my ?self|"
         r"end (it all|my life)|(don'?t|dont|do not) want to (be here|live|be alive|wake up)|"
         r"better off without me|no reason to live|(can'?t|cant|cannot|can not) go on|want to die|wanna die|\bdepressed\b|"
         r"(hurt|harm|shake|smother)(ing)? (the|my|our) (baby|babe|son|daughter|lo|newborn|little one)|"
         r"hopeless|worthless|(really|so|very|severely|deeply) depressed|postpartum depression|\bppd\b|"
         r"(can'?t|cant) stop crying|crying all day)"),
        # A baby who may not be getting enough milk.
        (RedFlag.INFANT, r"((few|fewer|no|no more|zero|0|not (many|enough)|hardly any|barely any|less|"
         r"(only|just) (had |has |did )?(one|two|three|four|five|1|2|3|4|5)) (wet |pee |wee )?(diapers?|nappies|nappy)|"
         r"(hasn'?t|hasnt|has not|haven'?t|not) (had )?(a |any )?(wet|pee|wee)(dy)? (diapers?|nappies|nappy)|"
         r"dark yellow|barely (peeing|pees|peed|wees)|(very|so|too|super|really) sleepy (and|to) (won'?t|not|wont|can'?t) (eat|feed|nurse|wake)|"
         r"(not|isn'?t|isnt) (really |quite |properly )?(gaining|putting on)|no longer gaining|"
         r"too sleepy to (eat|feed|nurse)|(won'?t|wont) wake (up )?(to|for) (eat|feed|feeds)|"
         r"(diapers?|nappies|nappy) (are |is )?(dry|not wet)|dry (diapers?|nappies|nappy)|"
         r"(hasn'?t|has not|hasnt|not|isn'?t|isnt) (peed|pee(ing)?|wee(d|ing)?)|"
         r"dark (urine|pee|wee|yellow pee)|orange (pee|urine|crystals)|dehydrat\w*|sunken|"
         r"letharg\w*|floppy|hard to wake|(won'?t|wont|can'?t|cant) wake|limp|"
         r"(not|isn'?t|isnt|hasn'?t|hasnt|stopped|poor|slow|no) (gaining|gained|putting on)( any)?( weight)?|"
         r"poor weight gain|(losing|lost|dropp(ed|ing)|drop in) weight|weight (loss|dropped|is dropping)|failure to thrive)"),
        (RedFlag.NIPPLE_DAMAGE, r"(bleed\w*|blood\w*|bloody)|(crack\w*|blister\w*|scab\w*|raw|open wound|torn|shredded) nipples?|"
         r"nipples? (are |is |r |look |got )?(so |very )?(crack\w*|blister\w*|scab\w*|raw|torn|shredded)|pink milk"),
    )
)
_FEVER_RE = re.compile(_FEVER)
_BREAST_SIGN_RE = re.compile(_BREAST_SIGN)
_PAIN_RE = re.compile(_PAIN)


def normalise(text: str) -> str:
    """Lower-case, straighten quotes and collapse spaces so the phrase rules see one spelling."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)  # zero-width characters hide words
    return re.sub(r"\s+", " ", text).strip()


def _unnegated(pattern: Pattern[str], text: str) -> bool:
    for match in pattern.finditer(text):
        if not _NEGATION.search(text[: match.start()]):
            return True
    return False


def detect_red_flags(text: str) -> List[RedFlag]:
    """All red flags the phrase rules find in one message, most urgent first."""
    clean = normalise(text)
    # Self-harm wording is never cancelled by a negation: "I would never hurt my baby, but the thoughts
    # keep coming" needs support just as much.
    found = {flag for flag, pattern in _RULES
             if (pattern.search(clean) if flag is RedFlag.MENTAL_HEALTH else _unnegated(pattern, clean))}
    if re.search(r"\bmastitis\b", clean):
        found.add(RedFlag.MASTITIS)
    fever = _unnegated(_FEVER_RE, clean)
    breast_sign = _unnegated(_BREAST_SIGN_RE, clean)
    if fever and (breast_sign or _unnegated(_PAIN_RE, clean)):
        found.add(RedFlag.MASTITIS)
    elif fever:
        found.add(RedFlag.FEVER)
    elif breast_sign and _unnegated(_PAIN_RE, clean) and re.search(r"(breast|boob|lump|wedge|area|spot|patch)", clean):
        # A red, hot, painful area is an early mastitis sign even before a fever.
        found.add(RedFlag.MASTITIS)
    return sort_by_urgency(found)


def sort_by_urgency(flags: Iterable[RedFlag]) -> List[RedFlag]:
    return sorted(set(flags), key=URGENCY_ORDER.index)


@dataclass(frozen=True)
class SafetyAdvice:
    flags: Tuple[RedFlag, ...]
    text: str


def advice_for(flags: Sequence[RedFlag], clinic: "ClinicContacts") -> SafetyAdvice:
    """The human-contact answer for the flags found; always names who to contact now."""
    flags = tuple(sort_by_urgency(flags or [RedFlag.UNSPECIFIED]))
    parts: List[str] = []
    for flag in flags:
        parts.append(_MESSAGES[flag].format(c=clinic))
    parts.append(
        f"{clinic.name}: {clinic.phone} ({clinic.hours}). Outside those hours, or if things get worse, "
        f"call {clinic.emergency_number}."
    )
    parts.append("I'm a chatbot and can't examine you or your baby, so please don't wait on me for this one.")
    return SafetyAdvice(flags, "\n\n".join(parts))


class ClinicContacts:  # structural type; actions.clinic.Clinic satisfies it
    name: str
    phone: str
    hours: str
    emergency_number: str
    crisis_line: str


_MESSAGES = {
    RedFlag.MENTAL_HEALTH: (
        "Thank you for telling me. What you are feeling matters, and you deserve support right now. "
        "If you might hurt yourself or your baby, or feel you can't keep yourself safe, call "
        "{c.emergency_number} now. You can also reach a crisis line at any hour: {c.crisis_line}. "
        "Please also let your doctor, midwife or the clinic know today."
    ),
    RedFlag.INFANT: (
        "Few wet diapers, dark urine, a baby who is very sleepy or hard to wake, or weight that is not "
        "going up can mean your baby is not getting enough milk. Please call your baby's doctor or the "
        "clinic now, today, rather than waiting to try pumping tips."
    ),
    RedFlag.MASTITIS: (
        "Fever, chills or flu-like aches together with a red, hot, hard or painful area of the breast can be "
        "a sign of mastitis, an inflammation that may need treatment. Please contact a health professional "
        "today."
    ),
    RedFlag.FEVER: (
        "A fever, chills or flu-like aches while you are breastfeeding or pumping should be checked by a "
        "health professional, especially if part of a breast becomes red, hot or painful. Please contact "
        "one today."
    ),
    RedFlag.NIPPLE_DAMAGE: (
        "Bleeding, cracked or blistered nipples, or blood in your milk, need a look from a lactation "
        "consultant or health professional. They are often a sign that the pump, flange size or suction "
        "is hurting you; please stop turning the suction up and get them checked soon."
    ),
    RedFlag.UNSPECIFIED: (
        "I want to make sure you and your baby are safe. If you have a fever or a red, painful area of the "
        "breast, bleeding or cracked nipples, if your baby has few wet diapers or is very sleepy, or if you "
        "feel very low or have thoughts of harming yourself or your baby, please contact a health "
        "professional now."
    ),
}
