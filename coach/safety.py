"""Deterministic red-flag rules, run on every user message.

The classifier can miss a warning sign phrased in a way it never saw; these phrase rules cannot be
talked out of one. They favour catching too much: a false alarm costs a parent one extra suggestion
to call the clinic, a miss can cost far more.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Dict, Iterable, List, Optional, Pattern, Sequence, Set, Tuple

from coach import content, red_flag_rules
from coach.negation import NEGATION_CUE, negated, without_denied_questions
from coach.newborn_numbers import baby_sign_in_numbers


class RedFlag(str, Enum):
    # Ordered by urgency: the answer names the most urgent first.
    MENTAL_HEALTH = "mental_health"
    INFANT = "infant"
    MASTITIS = "mastitis"
    FEVER = "fever"
    NIPPLE_DAMAGE = "nipple_damage"
    # Softer signs of low mood ("numb", "can't cope"): a gentle check that shows the crisis line.
    LOW_MOOD = "low_mood"
    UNSPECIFIED = "unspecified"


URGENCY_ORDER: Tuple[RedFlag, ...] = tuple(RedFlag)
# Flags that are sure enough to escalate at once; the rest get one short check first.
CHECK_FIRST = frozenset({RedFlag.LOW_MOOD, RedFlag.UNSPECIFIED})

# The phrase rules, their masks and the order of the steps are data: safety/rules.en.yml, each entry
# with the messages it must catch and leave (coach/red_flag_rules.py reads it).
_BOOK = red_flag_rules.rule_book()
_P = _BOOK.pattern


def normalise(text: str) -> str:
    """Lower-case, straighten quotes and collapse spaces so the phrase rules see one spelling."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)  # zero-width characters hide words
    return re.sub(r"\s+", " ", text).strip()


_OPENS_WITH_NEGATION = re.compile(NEGATION_CUE)


def _affirmed(pattern: Pattern[str], text: str) -> bool:
    """A match that no negation denies. Where a rule spans several words ("nipples ... cracked"), the
    negation may sit inside it ("nipples not cracked or bleeding"): then the match counts only if one of
    the warning-sign words in it is itself said, not denied."""
    for match in pattern.finditer(text):
        if negated(text, match.start()):
            continue
        # A rule that opens with its own negation ("can't rouse her", "hasn't had a wet diaper") says the
        # sign by negating; only a negation after a rule's first word denies what follows it.
        if not _OPENS_WITH_NEGATION.match(text, match.start()):
            signs = [m for m in _P("sign_words").finditer(text, match.start(), match.end()) if m.start() > match.start()]
            if signs and all(negated(text, m.start()) for m in signs):
                continue
        return True
    return False


_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}


def _enough_for_day_of_life(body: str) -> bool:
    """safety/MAP.md B1: in the first days a baby wets about as many diapers as her day of life."""
    day, count = _P("day_of_life").search(body), _P("low_day_count").search(body)
    if not day or not count:
        return False
    wet = int(count.group(2)) if count.group(2).isdigit() else _COUNT_WORDS[count.group(2)]
    return wet >= int(day.group(1) or day.group(2))


def _unless_breast(pattern: Pattern[str], text: str, kept: str = "names_the_breast") -> str:
    """Each match masked out, unless it names the breast itself (someone else's fever "and my breast is red")."""
    return pattern.sub(lambda m: m.group(0) if _P(kept).search(m.group(0)) else " ", text)


def _physical_text(clean: str, others: bool = True) -> str:
    """The message with what is not a present sign of the parent's masked out: someone else's fever,
    an episode that is over, a warm compress or a flange ring, a sign they say it was not.

    ``others=False`` keeps what is said about other people: see ``model_flag_is_implausible``."""
    masked = clean
    if others:
        # Someone else's fever first: it reaches to the end of the sentence ("DH has the flu, fever and chills").
        masked = _unless_breast(_P("others"), _unless_breast(_P("others_fever"), masked))
    masked = _P("past_episode").sub(" ", masked)
    masked = _P("resolved").sub(" ", masked)
    masked = _P("harmless_signs").sub(" ", masked)
    masked = without_denied_questions(masked)
    masked = _P("never_mind").sub(" ", masked)
    return _P("retracted").sub(" ", masked)


def _not_elsewhere(text: str) -> str:
    """A cut or blister on a thumb is not a nipple sign: the clause is set aside unless it names the breast."""
    return _unless_breast(_P("elsewhere"), text, "names_the_breast_or_nipple")


def asks_in_general(clean: str) -> bool:
    """A question about signs in general (or for the future) from someone who does not say they have one.

    "if I have mastitis" inside "how do I know if I have mastitis?" is a condition, not a claim.
    """
    claims = _P("fine_now").sub(" ", _P("conditional").sub(" ", clean))
    return bool(_P("info_question").search(clean)) and not _P("first_person_claim").search(claims)


# ---------------------------------------------------------------------------------------------------
# The engine: one message, read by the steps of safety/rules.en.yml in their order. Each step sees the
# reading so far and may use only the patterns its entry names.


@dataclass
class _Reading:
    clean: str
    found: Set[RedFlag] = field(default_factory=set)
    general: bool = False
    body: str = ""  # the physical text, once physical_masks has run
    nipple_body: str = ""  # ... with signs on other body parts set aside, for the nipple rules
    infant_body: str = ""  # ... with a diaper count on track for the day of life set aside, for the baby's


class _Uses:
    """The patterns one step may use."""

    def __init__(self, step: red_flag_rules.Step) -> None:
        self._step = step

    def __call__(self, name: str) -> Pattern[str]:
        if name not in self._step.uses:
            raise red_flag_rules.RuleFileError(f"step {self._step.name} uses {name}, which its entry does not name")
        return _P(name)


def _self_harm(r: _Reading, use: _Uses) -> None:
    # Never cancelled by a negation: "I would never hurt my baby, but the thoughts keep coming" needs
    # support just as much.
    text = use("past_thoughts").sub(" ", use("screened_no").sub(" ", use("mood_idioms").sub(" ", r.clean)))
    if use("strong_mood").search(text):
        r.found.add(RedFlag.MENTAL_HEALTH)


def _general_question(r: _Reading, use: _Uses) -> None:
    for name in ("info_question", "first_person_claim", "fine_now", "conditional"):
        use(name)  # asks_in_general reads them; named here so the file's list is checked
    r.general = asks_in_general(r.clean)


def _mood(r: _Reading, use: _Uses) -> None:
    if r.general:
        return
    over = use("past_mood").sub(" ", r.clean)
    mood_text = use("past_mood").sub(" ", use("others").sub(" ", r.clean))
    if _affirmed(use("deep_low"), mood_text):
        r.found.add(RedFlag.MENTAL_HEALTH)
    # Letters and goodbyes name the people they are for, so someone else's news is not masked for them.
    if RedFlag.MENTAL_HEALTH not in r.found and (
            _affirmed(use("low_mood"), mood_text) or _affirmed(use("preparatory"), over)):
        r.found.add(RedFlag.LOW_MOOD)


def _physical_masks(r: _Reading, use: _Uses) -> None:
    for name in ("others_fever", "others", "past_episode", "resolved", "harmless_signs", "never_mind", "retracted"):
        use(name)  # _physical_text applies them in this order
    r.body = _physical_text(r.clean)
    use("elsewhere")
    # A baby's cracked lips are a baby sign, so the other-body-part mask is for the nipple rules only.
    r.nipple_body = _not_elsewhere(r.body)
    use("day_of_life")
    count = use("low_day_count").search(r.body) if _enough_for_day_of_life(r.body) else None
    r.infant_body = r.body[:count.start()] + " " + r.body[count.end():] if count else r.body


def _phrase_rules(r: _Reading, use: _Uses) -> None:
    for name in use._step.uses:
        flag = RedFlag(_BOOK.entries[name].flag)
        text = r.nipple_body if flag == RedFlag.NIPPLE_DAMAGE else r.infant_body if flag == RedFlag.INFANT else r.body
        if _affirmed(use(name), text):
            r.found.add(flag)


def _bleeding(r: _Reading, use: _Uses) -> None:
    if use("bleed_context").search(r.nipple_body) and _affirmed(use("bleed"), use("birth_bleed").sub(" ", r.nipple_body)):
        r.found.add(RedFlag.NIPPLE_DAMAGE)


def _diaper_count(r: _Reading, use: _Uses) -> None:
    use("day_of_life")
    if use("diaper_word").search(r.body) and _affirmed(use("low_day_count"), r.body) and not _enough_for_day_of_life(r.body):
        r.found.add(RedFlag.INFANT)


def _numbers(r: _Reading, use: _Uses) -> None:
    if baby_sign_in_numbers(r.body):
        r.found.add(RedFlag.INFANT)


def _bottle_refusal(r: _Reading, use: _Uses) -> None:
    if _affirmed(use("bottle_refusal"), r.body) and not use("feeds_fine").search(r.body):
        r.found.add(RedFlag.INFANT)


def _mastitis_claim(r: _Reading, use: _Uses) -> None:
    if _affirmed(use("mastitis_claim"), r.body):
        r.found.add(RedFlag.MASTITIS)


def _fever_and_breast(r: _Reading, use: _Uses) -> None:
    fever = _affirmed(use("fever"), r.body)
    breast_sign = _affirmed(use("breast_sign"), r.body)
    pain = _affirmed(use("pain"), r.body)
    if fever and (breast_sign or pain):
        r.found.add(RedFlag.MASTITIS)
    elif fever:
        r.found.add(RedFlag.FEVER)
    elif breast_sign and use("breast_area").search(r.body) and (pain or _affirmed(use("two_breast_signs"), r.body)):
        # A red, hot, painful area is an early mastitis sign even before a fever.
        r.found.add(RedFlag.MASTITIS)


_STEPS: Dict[str, Callable[[_Reading, _Uses], None]] = {
    "self_harm": _self_harm, "general_question": _general_question, "mood": _mood,
    "physical_masks": _physical_masks, "phrase_rules": _phrase_rules, "bleeding": _bleeding,
    "diaper_count": _diaper_count, "numbers": _numbers, "bottle_refusal": _bottle_refusal,
    "mastitis_claim": _mastitis_claim, "fever_and_breast": _fever_and_breast,
}
if {step.name for step in _BOOK.steps} != set(_STEPS):
    raise red_flag_rules.RuleFileError(f"safety/rules.en.yml's steps {[s.name for s in _BOOK.steps]} "
                                       f"are not the engine's {list(_STEPS)}")


def detect_red_flags(text: str) -> List[RedFlag]:
    """All red flags the phrase rules find in one message, most urgent first.

    The steps of safety/rules.en.yml run in the file's order. Physical signs count only when said, not
    denied ("no fever", "not bleeding"; see ``coach.negation``), not asked about in general ("how do I
    know if I have mastitis?"), not over ("had mastitis in March, all good now"), not harmless
    look-alikes (a flange ring, a warm compress) and not someone else's ("my toddler has a fever").
    """
    reading = _Reading(normalise(text))
    for step in _BOOK.steps:
        if step.physical and reading.general:
            continue
        _STEPS[step.name](reading, _Uses(step))
    return sort_by_urgency(reading.found)


def classifier_flag_is_implausible(text: str) -> bool:
    """True when only the classifier sees a red flag in text that holds no present warning sign.

    No affirmed sign word is left once what is not a sign now is set aside: denials ("no fever"),
    reassurances ("6 wet diapers", "goes away after"), look-alikes (a flange ring, a warm compress),
    idioms and jokes, episodes that are over, someone else's illness, and general questions.
    """
    clean = normalise(text)
    if asks_in_general(clean):
        return True
    masked = _set_aside(clean)
    return all(negated(masked, m.start()) for m in _P("sign_words").finditer(masked))


def _set_aside(clean: str, others: bool = True) -> str:
    """The text with what is not a sign now masked out: other body parts, reassurances, idioms, jokes."""
    masked = _physical_text(clean, others)
    masked = _not_elsewhere(masked)
    masked = _P("reassurance").sub(" ", masked)
    masked = _P("idioms").sub(" ", masked)
    if _P("joke").search(masked):
        masked = _P("joke_words").sub(" ", masked)
    return masked


def model_flag_is_implausible(text: str, kind: Optional[str] = None) -> bool:
    """True when the red-flag model's suspicion is contradicted by the text itself.

    The model (``coach.safety_model``) was trained on signs told without sign words ("he's like a doll,
    no strength", "writing letters to my kids, just in case"), so, unlike the intent classifier's, its
    suspicion is not dropped for want of a sign word. It is dropped when the message asks in general,
    or when it has sign words and every one of them is denied, reassured, an idiom, a joke, an episode
    that is over or someone else's ("no fever, boobs soft and normal").

    For a suspected ``kind`` of "mood", what is said about other people stays: preparatory acts name
    them ("writing letters to each of my kids", "gave my sister my clothes, I won't need them"), and
    masking them as someone else's news threw those suspicions away.
    """
    clean = normalise(text)
    if _P("sign_words").search(clean):
        return classifier_flag_is_implausible(text)
    if asks_in_general(clean):
        return True
    # With no sign word to weigh, anything that reassures ("7 wet diapers", "wakes for every feed"),
    # closes an episode ("it passed, I feel like myself again") or answers a screening no, outweighs
    # the model: it learnt the topic, and these texts are on the topic without the sign.
    return _set_aside(clean, others=kind != "mood").split() != clean.split() or any(
        _P(name).search(clean) for name in ("fine_now", "screened_no", "past_mood", "feeds_fine"))


class SuspectedKind(str, Enum):
    """What a classifier-only suspicion is about, to ask the one check that fits.

    The ``CONFIRM_*`` kinds ask whether a sign the phrase rules found is really happening now, to the
    parent or the baby, when the red-flag model doubts it (``decide``); a yes answers with that flag.
    """
    BREAST = "breast"
    BABY = "baby"
    MOOD = "mood"
    GENERAL = "general"
    CONFIRM_INFANT = "confirm_infant"
    CONFIRM_MASTITIS = "confirm_mastitis"
    CONFIRM_FEVER = "confirm_fever"
    CONFIRM_NIPPLE_DAMAGE = "confirm_nipple_damage"


def suspected_kind(text: str) -> SuspectedKind:
    clean = normalise(text)
    for name, kind in (("mood_kind", SuspectedKind.MOOD), ("baby_kind", SuspectedKind.BABY),
                       ("breast_kind", SuspectedKind.BREAST)):
        if _P(name).search(clean):
            return kind
    return SuspectedKind.GENERAL


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
        parts.append(content.text(_MESSAGES[flag], emergency_number=clinic.emergency_number,
                                  crisis_line=clinic.crisis_line))
    parts.append(content.text("safety_clinic_line", name=clinic.name, phone=clinic.phone, hours=clinic.hours,
                              emergency_number=clinic.emergency_number))
    parts.append(content.text("safety_cannot_examine"))
    return SafetyAdvice(flags, "\n\n".join(parts))


class ClinicContacts:  # structural type; coach.clinic.Clinic satisfies it
    name: str
    phone: str
    hours: str
    emergency_number: str
    crisis_line: str


# The text id of each flag's paragraph (content/en/safety.yml).
_MESSAGES = {
    RedFlag.MENTAL_HEALTH: "safety_mental_health",
    RedFlag.INFANT: "safety_infant",
    RedFlag.MASTITIS: "safety_mastitis",
    RedFlag.FEVER: "safety_fever",
    RedFlag.NIPPLE_DAMAGE: "safety_nipple_damage",
    RedFlag.LOW_MOOD: "safety_low_mood",
    RedFlag.UNSPECIFIED: "safety_unspecified",
}


# ---------------------------------------------------------------------------------------------------
# When only the classifier suspects a red flag (or only a soft sign of low mood was found), one short
# check comes before any alarm: an emergency answer to "it's just boring" frightens a parent and teaches
# them to ignore the real one. A yes, an unclear reply or a second suspicion escalates at once.

_FLAG_FOR_KIND = {
    SuspectedKind.MOOD: RedFlag.MENTAL_HEALTH,
    SuspectedKind.BABY: RedFlag.INFANT,
    SuspectedKind.BREAST: RedFlag.UNSPECIFIED,
    SuspectedKind.GENERAL: RedFlag.UNSPECIFIED,
    SuspectedKind.CONFIRM_INFANT: RedFlag.INFANT,
    SuspectedKind.CONFIRM_MASTITIS: RedFlag.MASTITIS,
    SuspectedKind.CONFIRM_FEVER: RedFlag.FEVER,
    SuspectedKind.CONFIRM_NIPPLE_DAMAGE: RedFlag.NIPPLE_DAMAGE,
}
# A sign the rules found in a message the red-flag model scores under this probability is confirmed
# with one question before the alarm: the rules' known misses are look-alikes (someone else's fever,
# an episode that is over, an idiom) that the model learnt from examples. Chosen by 5-fold
# cross-validation on safety/training (eval/safety_model_eval.py --doubt): of the look-alikes the
# rules would alarm on, 0.2 sends 32 through the check instead, at the cost of one question for 17 of
# 420 real signs (which still reach a person on a yes); 0.1 saved 20, 0.3 cost 23 signs for 40.
DOUBT_BELOW = 0.2
# Never doubted: any words of self-harm or of harming the baby reach the crisis line at once.
NEVER_DOUBTED = frozenset({RedFlag.MENTAL_HEALTH})


@dataclass(frozen=True)
class SafetyDecision:
    """Either escalate now with ``flags``, or ask the one check for ``check``."""
    flags: Tuple[RedFlag, ...] = ()
    check: Optional[SuspectedKind] = None


# The red-flag model's kinds (coach.safety_model.KINDS) and the check each is asked with.
MODEL_KIND_CHECK = {"mood": SuspectedKind.MOOD, "baby_unwell": SuspectedKind.BABY, "mastitis": SuspectedKind.BREAST,
                    "nipple_damage": SuspectedKind.BREAST}


def decide(rule_flags: Sequence[RedFlag], text: str, check_pending: Optional[str],
           model_kind: Optional[str] = None, model_probability: Optional[float] = None) -> SafetyDecision:
    """What to do with a message the NLU took for a red flag.

    ``rule_flags`` are the phrase rules' findings (empty when only a classifier suspects one);
    ``check_pending`` is the kind of check already asked, if any; ``model_kind`` is the kind of sign the
    red-flag model suspects, when it was the one to suspect it; ``model_probability`` is the model's
    reading of a message the rules flagged (None when not known: the rules then decide alone).
    """
    sure = [flag for flag in rule_flags if flag not in CHECK_FIRST]
    doubted = (model_probability is not None and model_probability < DOUBT_BELOW and not check_pending
               and not set(sure) & NEVER_DOUBTED)
    if sure and doubted:
        return SafetyDecision(check=SuspectedKind("confirm_" + sort_by_urgency(sure)[0].value))
    if sure:
        return SafetyDecision(flags=tuple(sort_by_urgency(sure)))
    if RedFlag.LOW_MOOD in rule_flags:
        kind = SuspectedKind.MOOD
    elif model_kind in MODEL_KIND_CHECK:
        kind = MODEL_KIND_CHECK[model_kind]
    else:
        kind = suspected_kind(text)
    if check_pending:
        # A second suspicion right after a check: no more questions.
        pending_kind = SuspectedKind(check_pending) if check_pending in SuspectedKind._value2member_map_ else kind
        return SafetyDecision(flags=(_FLAG_FOR_KIND[pending_kind],))
    return SafetyDecision(check=kind)


def escalation_flag(kind: Optional[str]) -> RedFlag:
    """The flag whose advice answers a "yes" to the check of this kind."""
    if kind in SuspectedKind._value2member_map_:
        return _FLAG_FOR_KIND[SuspectedKind(kind)]
    return RedFlag.UNSPECIFIED




def read_check_reply(text: str, intent: Optional[str] = None) -> str:
    """"yes", "no" or "unclear" for a reply to a safety check. Any hedge counts as yes: safety first."""
    clean = normalise(text)
    says_yes = bool(_P("check_yes").search(clean)) or intent == "affirm"
    says_no = bool(_P("check_no").search(clean)) or intent == "deny"
    if says_yes and not (says_no and _P("opens_with_no").match(clean) and not _P("but_words").search(clean)):
        return "yes"
    if says_no:
        return "no"
    return "unclear"
