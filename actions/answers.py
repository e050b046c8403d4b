"""Read troubleshooting answers out of free text.

Quick-reply buttons send their own title as plain text, so a tapped button and a typed answer go
through the same parser, and no button can smuggle a slot value past it. Each parser returns one of
the question's answer values (see ``actions.diagnosis``) or None when the text does not answer it.

``volunteered`` parsers run on every message (someone may mention their pump type in passing);
yes/no style questions are only read when that question was the one just asked, since a bare "yes"
means nothing otherwise.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, Mapping, Optional, Tuple

from actions.safety import normalise

Parser = Callable[[str], Optional[str]]

_YES = r"\b(yes|yess+|yeah|yea|yep|yup|ya|yah|sure|definitely|absolutely|of course|mostly|it does|they do|she does|he does|uh huh|correct|true|fine|good|great|well)\b"
_NO = r"\b(no|nope|nah|not really|not at all|not (so |very |that |really |too )?(well|good|great|fine|much)|never|don'?t|dont|doesn'?t|doesnt|isn'?t|isnt|hardly|barely|badly|poorly|bad)\b"
_UNSURE = r"\b(not sure|unsure|no idea|idk|i don'?t know|dont know|dunno|can'?t tell|cant tell|maybe|hard to say|no clue)\b"


def _first(text: str, table: Iterable[Tuple[str, str]]) -> Optional[str]:
    for value, pattern in table:
        if re.search(pattern, text):
            return value
    return None


def _yes_no(text: str, unsure_value: Optional[str] = None) -> Optional[str]:
    if re.search(_UNSURE, text):
        return unsure_value  # "not sure" is neither yes ("sure") nor no
    if re.search(_NO, text):
        return "no"
    if re.search(_YES, text):
        return "yes"
    return None


def pump_type(text: str) -> Optional[str]:
    return _first(normalise(text), (
        ("hospital_grade", r"hospital[- ]?grade|hospital pump|rental|rented|symphony|ameda platinum|lactina|medela symph"),
        ("wearable", r"wearable|hands[- ]?free|in[- ]?bra|elvie|willow|momcozy|freemie|imani|eufy"),
        ("manual", r"manual|hand pump|hand[- ]?held|handheld|haakaa|harmony|squeez|lever|by hand pump"),
        ("battery", r"battery|batteries|rechargeable|cordless|portable"),
        ("electric", r"electric|plug(ged)? in|spectra|medela|pump in style|lansinoh|motif|ameda|bellababy|double pump"),
    ))


def pumping_pain(text: str) -> Optional[str]:
    clean = normalise(text)
    return _first(clean, (
        ("none", r"\b(no|not|zero|without|doesn'?t|doesnt|never|don'?t|dont)\b.{0,12}\b(pain|hurt|hurts|sore|pinch)|"
                 r"\b(painless|comfortable|comfy|feels fine|feels ok|feels okay|it'?s fine|its fine|no problem)\b"),
        ("painful", r"\b(really|very|so|super|extremely|a lot|lots|agony|excruciating|unbearable|awful|terrible|killing)\b.{0,15}\b(pain|hurt|hurts|sore|painful)|"
                    r"\b(painful|agony|excruciating|unbearable|pinch\w*|rub\w*|burn\w*|kills?|killing me)\b|hurts? (so|a lot|like)"),
        ("some", r"\b(a bit|a little|bit|slightly|kinda|kind of|sort of|somewhat|mild|little)\b.{0,10}\b(pain|hurt|sore|uncomfortable|tender)|"
                 r"\b(sore|hurts?|uncomfortable|tender|ouch|pain|discomfort)\b"),
    ))


_FULLNESS = (
    ("no", r"\b(soft|empty|floppy|deflated|not full|never (feel )?full)\b"),
    ("yes", r"\b(full|engorged|heavy|hard|tight|rock)\b"),
)
# Said in passing, fullness words only count next to the breasts ("full time job" says nothing).
_BREASTS_FEEL = r"\b(breasts?|boobs?|they|both sides)\b.{0,20}\b(feel|are|get|r)\b.{0,12}"


def breasts_feel_full(text: str) -> Optional[str]:
    return _first(normalise(text), _FULLNESS)


def breasts_feel_full_volunteered(text: str) -> Optional[str]:
    clean = normalise(text)
    return _first(clean, tuple((value, _BREASTS_FEEL + pattern) for value, pattern in _FULLNESS))


def milk_flow_starts(text: str) -> Optional[str]:
    clean = normalise(text)
    return _first(clean, (
        ("unsure", _UNSURE),
        ("no", r"\b(never (sprays?|flows?|starts?)|only drip\w*|just drip\w*|drops only|few drops|nothing comes|no spray|doesn'?t (spray|flow|start)|doesnt (spray|flow|start)|no let ?-?down|no letdown)\b"),
        ("yes", r"\b(sprays?|spraying|streams?|flows?|flowing|gushes|letdown|let ?-?down (happens|comes|kicks)|tingl\w*|pins and needles|speeds up|starts flowing|starts spraying)\b"),
    ))


def pumping_feelings(text: str) -> Optional[str]:
    clean = normalise(text)
    return _first(clean, (
        ("hate", r"\b(hate|hating|loathe|detest|dread\w*|despise|can'?t stand|cant stand|miserable|awful|horrible|torture)\b"),
        ("stressed", r"\b(stress\w*|anxious|anxiety|nervous|worried|worry|tense|pressure|overwhelm\w*|frustrat\w*|panic\w*|upset|guilt\w*|failure|awkward|embarrass\w*)\b"),
        ("calm", r"\b(calm|relaxed|chill|no problem|don'?t mind|dont mind|enjoy|like it|neutral|happy|fine with it|ok with it|okay with it)\b"),
    ))


def suction_level(text: str) -> Optional[str]:
    clean = normalise(text)
    return _first(clean, (
        ("high", r"\b(high\w*|max\w*|full blast|strongest|all the way up|top setting|as high|cranked|level (9|10|11|12))\b"),
        ("low", r"\b(low\w*|min\w*|gentle|weakest|level (1|2|3))\b"),
        ("medium", r"\b(medium|mid|middle|moderate|normal|average|halfway|comfortable|level (4|5|6|7|8))\b"),
    ))


_MM = re.compile(r"\b(\d{1,2}(?:[.,]\d)?)\s*(?:mm|millimet(?:er|re)s?|mil)\b|\b(?:size|flange|flanges|shield|the)\s+(\d{2})(?:s)?\b|\b(\d{2})s\b")


def flange_size_mm(text: str) -> Optional[float]:
    """A flange size in millimetres, if the text names a plausible one (flanges come in 12-36 mm)."""
    match = _MM.search(normalise(text))
    if not match:
        return None
    value = float(next(g for g in match.groups() if g).replace(",", "."))
    return value if 10 <= value <= 40 else None


def flange_size(text: str) -> Optional[str]:
    mm = flange_size_mm(text)
    clean = normalise(text)
    if mm is not None:
        if mm < 24 or (mm == 24 and re.search(r"\b(under|below|smaller than|less than)\s+24", clean)):
            return "under_24"
        return "24_or_more"
    if re.search(_UNSURE + r"|never measured|came with|default|whatever size", clean):
        return "unsure"
    return None


def nursing_goes_well(text: str) -> Optional[str]:
    clean = normalise(text)
    if re.search(r"\b(ep|exclusively pump\w*|exclusive pump\w*|only pump|just pump|doesn'?t nurse|doesnt nurse|"
                 r"not (breast)?feeding|don'?t (breast)?feed|dont (breast)?feed|won'?t latch|wont latch|"
                 r"can'?t latch|cant latch|doesn'?t latch|doesnt latch|bottle only|formula only|nicu)\b", clean):
        return "not_nursing"
    return _first(clean, (
        ("no", r"\b(nursing|feeding|breastfeeding|latch\w*) (is|are|goes|has been|also|too)( also| too| really| so| pretty)? (hard|bad|difficult|a struggle|painful|rough|tough|awful|a nightmare|not great)\b"),
        ("yes", r"\b(nurses|feeds|latches|nursing|feeding|breastfeeding)\b.{0,20}\b(fine|well|great|good|ok|okay|no problem)\b"),
    ))


def baby_gaining_well(text: str) -> Optional[str]:
    """Weight gain, only where weight or growth is named: "my output dropped" says nothing about the baby."""
    clean = normalise(text)
    if re.search(r"\b(not|isn'?t|isnt|hasn'?t|hasnt|no longer) (really |quite |properly )?(gaining|growing|putting on)|"
                 r"\b(losing|lost|dropp\w*|poor|slow|low) (\w+ )?(weight|gain)|weight (is |has )?(dropp\w*|down|going down)|"
                 r"behind on (his |her |their )?weight|worried about (his|her|their) weight", clean):
        return "no"
    if re.search(r"\b(gaining (well|fine|great|good|ok|nicely)|gains well|good weight|on track|doc(tor)? (is|was) happy|"
                 r"chunky|thriving|growing well)\b", clean):
        return "yes"
    return None


def _weight_short_answer(text: str) -> Optional[str]:
    """Replies to "Is your baby gaining weight well?" that need the question to make sense."""
    clean = normalise(text)
    if re.search(r"\b(losing|dropping|behind|slow|poorly|barely)\b", clean):
        return "no"
    return _yes_no(clean, "unsure")


def _calm_short_answer(text: str) -> Optional[str]:
    return "calm" if re.search(r"\b(fine|ok|okay|alright|all right|good)\b", normalise(text)) else None


def _yes_no_answer(unsure_value: Optional[str] = None) -> Parser:
    return lambda text: _yes_no(normalise(text), unsure_value)


def _pain_short_answer(text: str) -> Optional[str]:
    """A bare reply to "Does pumping hurt?": "fine" and "no" mean no pain, a bare "yes" means it hurts."""
    clean = normalise(text)
    if re.search(r"\b(fine|ok|okay|good|alright|all good|no|nope|nah|not really|not at all)\b", clean):
        return "none"
    if re.search(r"\b(yes|yeah|yep|yup|ya|yea)\b", clean):
        return "painful"
    return None


PARSERS: Mapping[str, Parser] = {
    "nursing_goes_well": nursing_goes_well,
    "baby_gaining_well": baby_gaining_well,
    "pump_type": pump_type,
    "pumping_pain": pumping_pain,
    "breasts_feel_full": breasts_feel_full,
    "milk_flow_starts": milk_flow_starts,
    "pumping_feelings": pumping_feelings,
    "suction_level": suction_level,
    "flange_size": flange_size,
}

# Weak readings ("yes", "fine", "not sure") that answer a question only when the message is a reply,
# not a new question: "is coconut oil ok?" must not count as "pumping is fine".
SHORT_ANSWERS: Mapping[str, Parser] = {
    "nursing_goes_well": _yes_no_answer(),
    "baby_gaining_well": _weight_short_answer,
    "breasts_feel_full": _yes_no_answer(),
    "milk_flow_starts": _yes_no_answer("unsure"),
    "pumping_feelings": _calm_short_answer,
    "pumping_pain": _pain_short_answer,
}


def parse_requested(slot: str, text: str, is_reply: bool = True) -> Optional[str]:
    """The answer to the question just asked about ``slot``, if the text gives one.

    ``is_reply`` is False when the classifier took the message for a question of its own; then only
    specific readings count.
    """
    value = PARSERS[slot](text)
    if value is None and is_reply and slot in SHORT_ANSWERS:
        value = SHORT_ANSWERS[slot](text)
    return value


# Read from any message, asked or not: these words carry their meaning without a question.
VOLUNTEERED: Mapping[str, Parser] = {
    "pump_type": pump_type,
    "pumping_pain": pumping_pain,
    "flange_size": flange_size,
    "suction_level": suction_level,
    "pumping_feelings": pumping_feelings,
    "breasts_feel_full": breasts_feel_full_volunteered,
    # Only the specific readings ("she nurses great", "LO gains well"), never a bare yes or no.
    "nursing_goes_well": nursing_goes_well,
    "baby_gaining_well": baby_gaining_well,
}
# "low" or "high" alone ("my supply is low") says nothing about suction unless suction is mentioned.
_SUCTION_CONTEXT = re.compile(r"\b(suction|vacuum|setting|settings|level|strength|power)\b")


def read_answers(text: str, requested: Optional[str] = None, is_reply: bool = True) -> Dict[str, str]:
    """Every answer this one message gives: the requested question's, plus any volunteered ones."""
    found: Dict[str, str] = {}
    for slot, parse in VOLUNTEERED.items():
        if slot == requested:
            continue
        if slot == "suction_level" and not _SUCTION_CONTEXT.search(normalise(text)):
            continue
        value = parse(text)
        if value not in (None, "unsure") and not (slot == "pumping_feelings" and value == "calm"):
            # "not sure" and "fine with it" say something only in answer to the question that was asked.
            found[slot] = value
    if requested in PARSERS:
        value = parse_requested(requested, text, is_reply)
        if value is not None:
            found[requested] = value
    return found
