"""Read troubleshooting answers out of free text.

Quick-reply buttons send their own title as plain text, so a tapped button and a typed answer go
through the same reader, and no button can smuggle a slot value past it.

Each question has one reader, tried in three steps (``read_reply``):
1. the specific reading: words that carry the answer ("only drips", "21mm", "rubs", "at work"), with
   negation handled by ``coach.negation`` ("doesn't hurt" is no pain, "i don't hate it, it just
   hurts" is not hate and is pain);
2. a hedge ("not sure", "idk", "sometimes", "kind of", "i think so") is an answer as well: recorded as
   ``unsure``, or as the partial value the question has (a bit sore; stressed at times), so the person
   is never asked the same thing again for saying they cannot tell;
3. a bare yes or no, which only means something as the reply to the question just asked.
Steps 2 and 3 run only when the message is a reply, not a new question of its own: "is coconut oil
ok?" must not count as "pumping is fine".

``VOLUNTEERED`` readers run on every message, asked or not (someone may mention their pump in
passing); they use only step 1.

The words each reader looks for are data, ``coach/knowledge/answer_words.en.yml``: one section per
question, each entry with why it counts (``coach/answer_words.py`` reads it). This module decides in
which order they are tried and what a match means.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, Mapping, Optional, Tuple

from coach import answer_words
from coach.negation import after_correction, find_affirmed, find_negated, hedge, negated, without_denied_questions
from coach.safety import normalise

Parser = Callable[[str], Optional[str]]
UNSURE = "unsure"

_WORDS = answer_words.words()
_W = _WORDS.pattern
_YES = _W("bare_yes")
_NO = _W("bare_no")


def yes_no(text: str) -> Optional[str]:
    """A bare yes or no. "no" wins over "yes" ("yes... well no"); hedges are read elsewhere."""
    clean = normalise(text)
    if _NO.search(clean):
        return "no"
    if _YES.search(clean):
        return "yes"
    return None


def looks_like_question(text: str) -> bool:
    """A message that asks something of its own rather than answering ("is 24mm too big?")."""
    clean = normalise(text)
    if clean.endswith("?") and not _W("question_ending_short").fullmatch(clean):
        return True  # "size 24?" is an unsure answer, "is 24 too big?" a question
    if _W("opens_is_ok").match(clean):
        return False  # "is ok i guess" answers
    return bool(_W("opens_a_question").match(clean)) and len(clean.split()) > 3


# ---------------------------------------------------------------------------------------------------
# pump type
_ELECTRIC = _W("electric")
_PUMP_TYPES = _WORDS.valued("pump_type")  # (value, pattern) in the order they are tried
_ELECTRIC_BRANDS = _W("electric_brands")
_GENERIC_ELECTRIC = _W("generic_electric")


def pump_type(text: str) -> Optional[str]:
    """The kind of pump named first ("manual, the elvie curve and a cheap hand pump" is manual)."""
    clean = normalise(text)
    found = [(match.start(), rank, value) for rank, (value, pattern) in enumerate(_PUMP_TYPES)
             for match in [pattern.search(clean)] if match]
    if not found:
        return "electric" if _ELECTRIC_BRANDS.search(clean) else None
    kinds = {value for _, _, value in found}
    first = min(found)[2]
    if first == "electric" and "battery" in kinds and not _ELECTRIC.search(_GENERIC_ELECTRIC.sub(" ", clean)):
        return "battery"  # the only electric word is "electric" itself, and a battery is named
    return first


# ---------------------------------------------------------------------------------------------------
# pain
_PAIN = _W("pain")
_STRONG = _W("strong_pain")
_COMFORTABLE = _W("comfortable")
_FINE = _W("fine")


def _clause(text: str, start: int, end: int) -> str:
    """The clause around text[start:end]: up to the nearest comma, full stop or "but" on each side."""
    left = max((m.end() for m in _W("clause_end").finditer(text[:start])), default=0)
    stops = (start + m.start() for m in _W("clause_end").finditer(text[start:end + 40]))
    right = next((at for at in stops if at >= end), len(text))
    return text[left:right]


_ELSEWHERE = _W("pain_elsewhere")
_BREAST_WORD = _W("breast_word")
_NOT_PAIN = _W("not_pain")


def _breast_pain(clean: str) -> "Optional[re.Match[str]]":
    """The first affirmed pain word that is about pumping, not about a hand, a back or a freezer stash."""
    for match in _PAIN.finditer(clean):
        if negated(clean, match.start()) or _NOT_PAIN.match(clean, match.start()):
            continue
        near = _clause(clean, match.start(), match.end())
        if _ELSEWHERE.search(near) and not _BREAST_WORD.search(near):
            continue
        return match
    return None


def pumping_pain(text: str) -> Optional[str]:
    clean = normalise(text)
    pain = _breast_pain(clean)
    if pain:
        # Grade from the words around the pain word. Pinching, rubbing and burning are the flange's
        # own signs and count as real pain; a plain "hurts" or "sore" is some pain unless stressed.
        near = _clause(clean, pain.start(), pain.end())
        strong = _STRONG.search(near) and not _W("softened_pain").search(near)
        if strong or _W("flange_pain_word").match(pain.group(0)):
            return "painful"
        return "some"
    if find_negated(_PAIN, clean) or find_affirmed(_COMFORTABLE, clean):
        return "none"
    return None


def _pain_reply(text: str) -> Optional[str]:
    """A bare reply to "Does pumping hurt?": "no" means no pain, a bare "yes" that it hurts."""
    kind = hedge(normalise(text))
    if kind == "partly":
        return "some"
    if kind == "unsure":
        return UNSURE
    answer = yes_no(text)
    if answer is None and find_affirmed(_FINE, normalise(text)):
        return "none"
    if answer is None and _W("none_word").search(normalise(text)):
        return "none"
    return {"no": "none", "yes": "painful"}.get(answer or "")


# ---------------------------------------------------------------------------------------------------
# fullness
_FULL = _W("full")
_SOFT = _W("soft")


def breasts_feel_full(text: str) -> Optional[str]:
    clean = normalise(text)
    soft = find_affirmed(_SOFT, clean)
    full = find_affirmed(_FULL, clean)
    if full and not (soft and soft.start() > full.start()):
        return "yes"
    if soft or find_negated(_FULL, clean):
        return "no"
    return None


_BREASTS_FULL_IN_PASSING = _W("breasts_full_in_passing")


_FULL_IN_PASSING = _W("full_in_passing")


def breasts_feel_full_volunteered(text: str) -> Optional[str]:
    clean = normalise(text)
    match = _BREASTS_FULL_IN_PASSING.search(clean)
    if match:
        return breasts_feel_full(match.group(0))
    return "yes" if find_affirmed(_FULL_IN_PASSING, clean) else None


# ---------------------------------------------------------------------------------------------------
# flow
_DRIPS = _W("drips")
_SPRAYS = _W("sprays")


_ONLY_WITHOUT_PUMP = _W("only_without_pump")


def milk_flow_starts(text: str) -> Optional[str]:
    clean = normalise(text)
    if _ONLY_WITHOUT_PUMP.search(clean):
        return "no"
    spray = find_affirmed(_SPRAYS, clean)
    drips = find_affirmed(_DRIPS, clean)
    # Any spray counts ("sprays at first then drips": a let-down came), unless it is "only a spray or two".
    if spray and not _W("only_a_spray").search(clean[: spray.start()]):
        return "yes"
    if drips or find_negated(_SPRAYS, clean):
        return "no"
    return None


# ---------------------------------------------------------------------------------------------------
# feelings
_HATE = _W("hate")
_STRESS = _W("stress")
_CALM = _W("calm")


_STRONG_FEELING = _W("strong_feeling")


def pumping_feelings(text: str) -> Optional[str]:
    clean = normalise(text)
    if find_affirmed(_HATE, clean):
        return "hate"
    if find_affirmed(_STRESS, clean):
        return "stressed"
    if find_negated(_HATE, clean) or find_negated(_STRESS, clean) or find_affirmed(_CALM, clean):
        return "calm"
    return None


def _feelings_reply(text: str) -> Optional[str]:
    kind = hedge(normalise(text))
    return UNSURE if kind == "unsure" else None


# ---------------------------------------------------------------------------------------------------
# suction
_OF_SCALE = _W("of_scale")
_LEVEL = _W("level_number")
_LEVELS = _WORDS.valued("suction_level")  # (value, pattern) in the file's order


def suction_level(text: str) -> Optional[str]:
    clean = normalise(text)
    scale = _OF_SCALE.search(clean)
    if scale and int(scale.group(2)) > 0 and int(scale.group(1)) <= int(scale.group(2)):
        share = int(scale.group(1)) / int(scale.group(2))
        return "high" if share >= 0.75 else "low" if share <= 0.34 else "medium"
    # The level named first is the answer: "medium-ish, i tried the highest once" is medium.
    found = [(match.start(), value) for value, pattern in _LEVELS for match in [pattern.search(clean)]
             if match and not negated(clean, match.start())]
    if found:
        return min(found)[1]
    level = _LEVEL.search(clean)
    if level:
        value = int(next(g for g in level.groups() if g))
        return "low" if value <= 3 else "medium" if value <= 7 else "high"
    return None


def _unsure_reply(text: str) -> Optional[str]:
    return UNSURE if hedge(normalise(text)) == "unsure" else None


# ---------------------------------------------------------------------------------------------------
# flange size
_MM = _W("size_mm")


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
        if mm < 24 or (mm == 24 and _W("under_24_beside_size").search(clean)):
            return "under_24"
        return "24_or_more"
    if _W("under_24").search(clean):
        return "under_24"
    if _W("size_unknown").search(clean):
        return UNSURE
    return None


def _flange_size_reply(text: str) -> Optional[str]:
    clean = normalise(text)
    bare = _W("bare_number").fullmatch(clean)
    if bare and 10 <= float(bare.group(1).replace(",", ".")) <= 40:
        return flange_size(f"{bare.group(1)} mm")
    return _unsure_reply(text)


# ---------------------------------------------------------------------------------------------------
# flange fit
_POOR_FIT = _W("poor_fit")
_AREOLA_DRAWN = _W("areola_drawn")
_GOOD_FIT = _W("good_fit")


def flange_fit(text: str) -> Optional[str]:
    """A sign of a poor fit anywhere wins: "my nipple doesn't rub, but lots of areola gets pulled in" is poor."""
    clean = normalise(text)
    if find_affirmed(_POOR_FIT, clean) or find_affirmed(_AREOLA_DRAWN, clean) and _breast_pain(clean):
        return "poor"
    if find_negated(_POOR_FIT, clean) or find_affirmed(_GOOD_FIT, clean):
        return "fine"
    return None


_FIT_IN_PASSING = _W("fit_in_passing")


def flange_fit_volunteered(text: str) -> Optional[str]:
    match = _FIT_IN_PASSING.search(normalise(text))
    return flange_fit(match.group(0)) if match else None


# ---------------------------------------------------------------------------------------------------
# away from the baby
_AWAY = _W("away")
_WITH_BABY = _W("with_baby")


def away_from_baby(text: str) -> Optional[str]:
    clean = normalise(text)
    if find_affirmed(_WITH_BABY, clean):
        return "no"
    if find_affirmed(_AWAY, clean):
        return "yes"
    if find_negated(_AWAY, clean):
        return "no"
    return None


_AWAY_IN_PASSING = _W("away_in_passing")
_HOME_IN_PASSING = _W("home_in_passing")


def away_from_baby_volunteered(text: str) -> Optional[str]:
    clean = normalise(text)
    if _HOME_IN_PASSING.search(clean):
        return None  # at home, or beside the baby in hospital: not clear enough to record either way
    return "yes" if find_affirmed(_AWAY_IN_PASSING, clean) else None


_NO_FLOW_IN_PASSING = _W("no_flow_in_passing")


def milk_flow_starts_volunteered(text: str) -> Optional[str]:
    return "no" if find_affirmed(_NO_FLOW_IN_PASSING, normalise(text)) else None


# ---------------------------------------------------------------------------------------------------
# parts: worn, old or mismatched valves, membranes, connectors
_WORN_PARTS = _W("worn_parts")
_GOOD_PARTS = _W("good_parts")


def parts_condition(text: str) -> Optional[str]:
    """A sign of wear or a part that does not belong wins: "new flanges but the valves are from my first pump"."""
    clean = normalise(text)
    if find_affirmed(_WORN_PARTS, clean):
        return "worn"
    if find_affirmed(_GOOD_PARTS, clean) or find_negated(_WORN_PARTS, clean):
        return "fine"
    return None


_PARTS_WORDS = _W("parts_words")


def parts_condition_volunteered(text: str) -> Optional[str]:
    """Only wear said beside a part ("the valves are ancient", "a second-hand pump"): "old" alone is not."""
    clean = normalise(text)
    match = _PARTS_WORDS.search(clean)
    if not match:
        return None
    return "worn" if parts_condition(_clause(clean, match.start(), match.end())) == "worn" else None


# ---------------------------------------------------------------------------------------------------
# let-down with the baby or by hand
_FLOWS_FOR_BABY = _W("flows_for_baby")


def let_down_with_baby(text: str) -> Optional[str]:
    clean = normalise(text)
    if _ONLY_WITHOUT_PUMP.search(clean) or find_affirmed(_FLOWS_FOR_BABY, clean):
        return "yes"
    if _W("never_tried_by_hand").search(clean):
        return UNSURE  # never expressed by hand: nothing to tell by, unless nursing said otherwise above
    spray = find_affirmed(_SPRAYS, clean)
    if spray:
        return "yes"
    if find_negated(_SPRAYS, clean) or find_affirmed(_DRIPS, clean) or _W("not_then_either").search(clean):
        return "no"
    if _NOT_NURSING.search(clean) and not _W("hand").search(clean):
        return UNSURE  # no nursing and no hand expression to tell by
    return None


def let_down_with_baby_volunteered(text: str) -> Optional[str]:
    """Said in passing, only the article's parent is clear: it flows for the baby or by hand, not the pump."""
    return "yes" if _ONLY_WITHOUT_PUMP.search(normalise(text)) else None


# ---------------------------------------------------------------------------------------------------
# breasts ever full
_NEVER_FULL = _W("never_full")


def breasts_ever_full(text: str) -> Optional[str]:
    clean = normalise(text)
    if _NEVER_FULL.search(clean) or _W("always_soft").search(clean):
        return "no"
    if _W("mostly_no").search(clean):
        return "no"
    if find_affirmed(_FULL, clean) or _W("often_full").search(clean):
        return "yes"
    if find_negated(_FULL, clean) or find_affirmed(_SOFT, clean):
        return "no"
    return None


_EVER_FULL_IN_PASSING = _W("ever_full_in_passing")


def breasts_ever_full_volunteered(text: str) -> Optional[str]:
    match = _EVER_FULL_IN_PASSING.search(normalise(text))
    return breasts_ever_full(match.group(0)) if match else None


# ---------------------------------------------------------------------------------------------------
# nursing and weight
_NOT_NURSING = _W("not_nursing")
_NURSING_BAD = _W("nursing_bad")
_NURSING_GOOD = _W("nursing_good")


def nursing_goes_well(text: str) -> Optional[str]:
    clean = normalise(text)
    if _NOT_NURSING.search(clean):
        return "not_nursing"
    if find_affirmed(_NURSING_BAD, clean) or find_negated(_NURSING_GOOD, clean):
        return "no"
    if find_affirmed(_NURSING_GOOD, clean):
        return "yes"
    return None


_NURSING_IN_PASSING = _W("nursing_in_passing")


def nursing_goes_well_volunteered(text: str) -> Optional[str]:
    """Only specific readings said about nursing ("she nurses great"), never a bare yes or no."""
    clean = normalise(text)
    if _NOT_NURSING.search(clean):
        return "not_nursing"
    match = _NURSING_IN_PASSING.search(clean)
    if not match:
        return None
    window = _clause(clean, match.start(), match.end())
    # Next to a nursing word, "fine" and "ok" do mean nursing goes fine ("baby nurses fine at home").
    return nursing_goes_well(window) or ("yes" if find_affirmed(_FINE, window) else None)


_WEIGHT_BAD = _W("weight_bad")
_WEIGHT_GOOD = _W("weight_good")


def baby_gaining_well(text: str) -> Optional[str]:
    """Weight gain, only where weight or growth is named: "my output dropped" says nothing about the baby.
    "Dropping percentiles? no, he's steady" denies it."""
    clean = without_denied_questions(normalise(text))
    if _WEIGHT_BAD.search(clean):
        return "no"
    if find_affirmed(_WEIGHT_GOOD, clean):
        return "yes"
    return None


def _weight_reply(text: str) -> Optional[str]:
    clean = without_denied_questions(normalise(text)) or normalise(text)
    if _W("weight_falling").search(clean):
        return "no"
    kind = hedge(clean)
    if kind in ("unsure", "partly") or _W("not_weighed").search(clean):
        return UNSURE
    if kind == "hedged_yes":
        return "yes"
    if find_negated(_NURSING_GOOD, clean) or find_negated(_FINE, clean):
        return "no"  # "not well", "not great", "not good"
    return yes_no(clean)


# ---------------------------------------------------------------------------------------------------
# The readers of each question, and what hedges and bare yes/no mean for it.
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
    "flange_fit": flange_fit,
    "away_from_baby": away_from_baby,
    "breasts_ever_full": breasts_ever_full,
    "parts_condition": parts_condition,
    "let_down_with_baby": let_down_with_baby,
}


def _yes_no_reply(partly: Optional[str] = UNSURE, hedged_yes: Optional[str] = "yes",
                  yes: Optional[str] = "yes", no: Optional[str] = "no") -> Parser:
    """A reply reader for a yes/no question: hedges first, then a bare yes or no."""
    def read(text: str) -> Optional[str]:
        clean = normalise(text)
        kind = hedge(clean)
        if kind == "unsure":
            return UNSURE
        if kind == "partly":
            return partly
        if kind == "hedged_yes":
            return hedged_yes
        return {"yes": yes, "no": no}.get(yes_no(clean) or "")
    return read


_rubs_or_marks_reply = _yes_no_reply(partly="poor", hedged_yes="poor", yes="poor", no="fine")


def _fit_reply(text: str) -> Optional[str]:
    """The question asks whether the nipple rubs or the flange leaves marks: "yes" is a poor fit, "no"
    (or "nothing") a good one, and "ok" or "fine" answers the fit itself."""
    clean = normalise(text)
    if find_affirmed(_FINE, clean) and hedge(clean) != "unsure":
        return "fine"
    return _rubs_or_marks_reply(text)


def _calm_reply(text: str) -> Optional[str]:
    clean = normalise(text)
    kind = hedge(clean)
    if kind == "unsure":
        return UNSURE
    if kind == "partly":
        return "stressed"  # "kind of", "sometimes": some stress, the partial answer
    if find_affirmed(_FINE, clean) or _W("shrug").search(clean):
        return "calm"  # "it's fine", "ok i guess", as the reply to "How do you feel about pumping?"
    return None


# Replies that need the question to make sense: a hedge or a bare yes/no.
SHORT_ANSWERS: Mapping[str, Parser] = {
    "nursing_goes_well": lambda text: (_yes_no_reply(partly="no")(text)
                                       or ("yes" if find_affirmed(_FINE, normalise(text)) else None)),
    "baby_gaining_well": _weight_reply,
    "pump_type": _unsure_reply,
    "pumping_pain": _pain_reply,
    "breasts_feel_full": _yes_no_reply(partly="yes"),  # "kind of full" still has milk in it
    "milk_flow_starts": _yes_no_reply(),
    "pumping_feelings": _calm_reply,
    "suction_level": _unsure_reply,
    "flange_size": _flange_size_reply,
    "flange_fit": _fit_reply,
    "away_from_baby": _yes_no_reply(partly="yes"),  # away some of the time: pumping apart from the baby
    "breasts_ever_full": _yes_no_reply(partly="yes"),
    # Asked "in good shape and made for this pump?": yes is fine, no is worn; "fine", "ok" answer it too.
    "parts_condition": lambda text: (_yes_no_reply(partly="worn", hedged_yes="fine", yes="fine", no="worn")(text)
                                     or ("fine" if find_affirmed(_FINE, normalise(text)) else None)),
    "let_down_with_baby": _yes_no_reply(partly="yes"),  # "sometimes, with her" is a let-down that can come
}
# The feelings reader takes "not sure" before its own words ("not sure, fine i guess" stays unsure).
_HEDGE_FIRST = {"pumping_feelings", "milk_flow_starts", "breasts_feel_full", "baby_gaining_well", "parts_condition",
                "let_down_with_baby"}


_LEADING_YES = _W("leading_yes")
_LEADING_NO = _W("leading_no")
# What a reply that opens with a plain yes or no means, for the questions that are yes/no questions.
_LEADING = {
    "nursing_goes_well": {"yes": "yes", "no": "no"},
    "breasts_feel_full": {"yes": "yes", "no": "no"},
    "milk_flow_starts": {"yes": "yes", "no": "no"},
    "away_from_baby": {"yes": "yes", "no": "no"},
    "breasts_ever_full": {"yes": "yes", "no": "no"},
    "baby_gaining_well": {"yes": "yes", "no": "no"},
    "let_down_with_baby": {"yes": "yes", "no": "no"},
    "pumping_pain": {"no": "none"},
}


def leading_answer(slot: str, text: str) -> Optional[str]:
    """A reply that opens with a plain yes or no ("no, i'm at home", "yeah a bit") means that,
    whatever words follow it; the specific reading refines it where it can ("no, I only pump")."""
    clean = normalise(text)
    table = _LEADING.get(slot, {})
    if "yes" in table and _LEADING_YES.search(clean):
        return table["yes"]
    if "no" in table and _LEADING_NO.search(clean):
        return table["no"]
    return None


def parse_requested(slot: str, text: str, is_reply: bool = True) -> Optional[str]:
    """The answer to the question just asked about ``slot``, if the text gives one.

    ``is_reply`` is False when the message reads as a question of its own; then only specific
    readings count. A reply that corrects itself ("24... wait no, 21") is read from the correction on.
    """
    text = after_correction(text)
    clean = normalise(text)
    if is_reply and slot in _HEDGE_FIRST and hedge(clean) == "unsure" and len(clean.split()) <= 4:
        return UNSURE
    specific = PARSERS[slot](text)
    if is_reply:
        if slot == "flange_size" and specific is None or specific == UNSURE and slot == "flange_size":
            number = _flange_size_reply(text)
            if number not in (None, UNSURE):
                return number  # "24, came with it": the number, not the "came with"
        if slot == "nursing_goes_well" and specific == "not_nursing":
            return specific
        if slot == "pumping_pain" and _LEADING_YES.search(clean):
            # "yes hurts": a plain yes to "Does pumping hurt?" is real pain unless they soften it.
            mild = _W("mild_yes").search(clean)
            return "some" if mild else "painful"
        # "fine", "ok" first is calm ("fine, just frustrating how little there is"), unless what follows
        # names a strong feeling: "okay, I said it wasn't a big deal but honestly I'm anxious" is not.
        if slot == "pumping_feelings" and not find_affirmed(_STRONG_FEELING, clean) and _W("opens_fine").match(clean):
            return "calm"
        lead = leading_answer(slot, text)
        if lead is not None:
            return lead
    value = specific
    if value is None and is_reply:
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
    "nursing_goes_well": nursing_goes_well_volunteered,
    "baby_gaining_well": baby_gaining_well,
    "flange_fit": flange_fit_volunteered,
    "away_from_baby": away_from_baby_volunteered,
    "breasts_ever_full": breasts_ever_full_volunteered,
    "milk_flow_starts": milk_flow_starts_volunteered,
    "parts_condition": parts_condition_volunteered,
    "let_down_with_baby": let_down_with_baby_volunteered,
}
_SUCTION_CONTEXT = _W("suction_context")
_FLANGE_CONTEXT = _W("flange_context")
_CALM_IN_PASSING = _W("calm_in_passing")
# "fine", "ok" said in passing mean nothing about feelings; "sore" in passing may be about anything
# but is still pain in a pumping chat. These volunteered values need the question.
_WEAK_IN_PASSING: Mapping[str, Tuple[str, ...]] = {"pumping_feelings": ("calm",), "pumping_pain": ("none",)}


_CODE_LIKE = _W("code_like")


def read_answers(text: str, requested: Optional[str] = None, is_reply: bool = True) -> Dict[str, str]:
    """Every answer this one message gives: the requested question's, plus any volunteered ones."""
    found: Dict[str, str] = {}
    clean = normalise(text)
    if _CODE_LIKE.search(clean):
        return found  # 'greet{"pump_type":"manual"}' is someone probing, not a parent answering
    for slot, parse in VOLUNTEERED.items():
        if slot == requested:
            continue
        if slot == "suction_level" and not _SUCTION_CONTEXT.search(clean):
            continue
        if slot == "flange_size" and not _FLANGE_CONTEXT.search(clean):
            continue
        if slot == "pumping_pain" and not _W("pain_in_passing").search(clean):
            continue
        value = parse(text)
        if value in (None, UNSURE):
            continue
        if value in _WEAK_IN_PASSING.get(slot, ()) and not (slot == "pumping_feelings" and _CALM_IN_PASSING.search(clean)):
            continue
        if slot == "pumping_pain" and negated(clean, 0) and value == "none":
            continue
        found[slot] = value
    if requested in PARSERS:
        value = parse_requested(requested, text, is_reply)
        if value is not None:
            found[requested] = value
    return found
