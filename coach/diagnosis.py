"""Which of the article's causes best explains little or no milk when pumping.

A small naive-Bayes model: each cause starts with a prior, each answer multiplies in how likely that
answer is under each cause. The next question is the one whose answer is expected to shrink the
uncertainty (entropy) the most, so the assistant asks few questions and never a useless one.

The likelihoods are judgement calls drawn from the article's four reasons (pump, parts and settings,
hating pumping, let-down) plus the check the article implies: if nursing goes badly too and the baby
is not gaining, the trouble is likely milk production, not the pump.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Collection, Dict, List, Mapping, Optional, Tuple

from coach.vocabulary import CAUSES

# Flange and settings problems are the most common fixable cause in the article's telling; a true
# supply problem is the least likely when someone's chief complaint is the pump.
PRIORS: Mapping[str, float] = {
    "pump": 0.2,
    "parts_settings": 0.25,
    "anxiety": 0.2,
    "let_down": 0.2,
    "supply": 0.15,
}

# Stop once the leading cause has at least this posterior...
CONFIDENT_POSTERIOR = 0.6
# ...and is at least this many times as likely as the runner-up: two close causes need one more question.
LEAD_RATIO = 2.0
# The ceiling: a parent at 2 am will not answer a long questionnaire.
MAX_QUESTIONS = 6


@dataclass(frozen=True)
class Question:
    slot: str
    # likelihoods[cause][answer] = P(answer | cause); each row sums to 1.
    likelihoods: Mapping[str, Mapping[str, float]]

    @property
    def answers(self) -> Tuple[str, ...]:
        return tuple(next(iter(self.likelihoods.values())).keys())


def _rows(default: Mapping[str, float], **overrides: Mapping[str, float]) -> Dict[str, Mapping[str, float]]:
    return {cause: overrides.get(cause, default) for cause in CAUSES}


QUESTIONS: Tuple[Question, ...] = (
    # Nursing going well while the pump gets little points away from supply.
    Question("nursing_goes_well", _rows(
        {"yes": 0.7, "no": 0.15, "not_nursing": 0.15},
        let_down={"yes": 0.65, "no": 0.2, "not_nursing": 0.15},
        supply={"yes": 0.2, "no": 0.65, "not_nursing": 0.15},
    )),
    # A baby not gaining well points at milk production, and it is a reason to see a professional now:
    # a "no" ends the questions (is_settled) and the answer opens with the human-contact advice.
    Question("baby_gaining_well", _rows(
        {"yes": 0.8, "no": 0.05, "unsure": 0.15},
        supply={"yes": 0.35, "no": 0.4, "unsure": 0.25},
    )),
    # Manual, battery and wearable pumps are weaker; hospital-grade rarely limits output.
    Question("pump_type", _rows(
        {"manual": 0.15, "battery": 0.15, "wearable": 0.15, "electric": 0.4, "hospital_grade": 0.15},
        pump={"manual": 0.3, "battery": 0.25, "wearable": 0.3, "electric": 0.12, "hospital_grade": 0.03},
    )),
    # Pain is the article's sign of a wrong flange or too much suction.
    Question("pumping_pain", _rows(
        {"none": 0.65, "some": 0.25, "painful": 0.1},
        parts_settings={"none": 0.15, "some": 0.35, "painful": 0.5},
    )),
    # Full breasts that will not empty point at let-down; soft, empty-feeling breasts at supply.
    Question("breasts_feel_full", _rows(
        {"yes": 0.6, "no": 0.4},
        let_down={"yes": 0.85, "no": 0.15},
        anxiety={"yes": 0.7, "no": 0.3},
        supply={"yes": 0.2, "no": 0.8},
    )),
    # Milk spraying or flowing faster after a minute or two is a let-down happening.
    Question("milk_flow_starts", _rows(
        {"yes": 0.55, "no": 0.25, "unsure": 0.2},
        let_down={"yes": 0.1, "no": 0.7, "unsure": 0.2},
        anxiety={"yes": 0.3, "no": 0.5, "unsure": 0.2},
        supply={"yes": 0.5, "no": 0.3, "unsure": 0.2},
    )),
    # Dread and stress are the article's reason 3 itself; a let-down that will not come (reason 4) is
    # about missing cues, and most of those parents are calm about pumping, so stress weighs far more
    # for anxiety than for let-down. Stress also blocks a let-down, so a stressed parent whose milk will
    # not start looks like both: at 1.5 to 1 (0.45 against 0.3) full breasts and pumping at work tipped
    # such parents to let-down; 2 to 1 lets the feeling they name decide, and a parent with anxiety is
    # rarely calm about pumping (0.05).
    Question("pumping_feelings", _rows(
        {"calm": 0.6, "stressed": 0.3, "hate": 0.1},
        anxiety={"calm": 0.05, "stressed": 0.5, "hate": 0.45},
        let_down={"calm": 0.65, "stressed": 0.25, "hate": 0.1},
    )),
    # Very high suction hurts and can lower output; very low suction removes little.
    Question("suction_level", _rows(
        {"low": 0.25, "medium": 0.55, "high": 0.2},
        parts_settings={"low": 0.2, "medium": 0.3, "high": 0.5},
    )),
    # Under 24 mm points at a flange too small (the article doubts the fashion for small flanges and
    # advises comfort as the test); not knowing the size at all is itself a small clue for the parts.
    Question("flange_size", _rows(
        {"under_24": 0.25, "24_or_more": 0.45, "unsure": 0.3},
        parts_settings={"under_24": 0.55, "24_or_more": 0.2, "unsure": 0.25},
    )),
    # Fit apart from pain: rubbing, red rings, a blanched tip or too much areola pulled in are the
    # article's signs of the wrong flange even when a parent calls it "not really painful".
    Question("flange_fit", _rows(
        {"fine": 0.8, "poor": 0.2},
        parts_settings={"fine": 0.2, "poor": 0.8},
    )),
    # Pumping away from the baby (work, NICU) removes the cues that trigger a let-down; it also puts
    # pumping in an office, a common source of stress. A supply problem shows at home too.
    Question("away_from_baby", _rows(
        {"yes": 0.5, "no": 0.5},
        let_down={"yes": 0.8, "no": 0.2},
        anxiety={"yes": 0.65, "no": 0.35},
        supply={"yes": 0.35, "no": 0.65},
    )),
    # Breasts that never feel full, even between sessions, point at production; a let-down problem
    # leaves them full and heavy.
    Question("breasts_ever_full", _rows(
        {"yes": 0.8, "no": 0.2},
        let_down={"yes": 0.9, "no": 0.1},
        supply={"yes": 0.25, "no": 0.75},
    )),
    # Valves and membranes stretch and tear with daily use, and a part from another brand or a missing
    # adapter leaks vacuum: the pump then pulls weakly whatever its setting (the article's reason 2, the
    # parts; an old or second-hand pump is reason 1 as much). Pump makers list these parts as ones to
    # replace every few weeks to months, so "worn" is common enough among parents whose cause lies
    # elsewhere (0.1) to weigh about four times as much for parts and settings, three for the pump.
    Question("parts_condition", _rows(
        {"fine": 0.7, "worn": 0.1, "unsure": 0.2},
        parts_settings={"fine": 0.3, "worn": 0.45, "unsure": 0.25},
        pump={"fine": 0.45, "worn": 0.3, "unsure": 0.25},
    )),
    # Milk that lets down for the baby or by hand but not for the pump says the milk is there (against a
    # supply problem): the article's reason 2 opens with exactly this parent, and reason 4's reflex is
    # conditioned on the baby's cues. It cannot tell the pump, its parts and a let-down apart (0.65-0.8),
    # which the flow and fit questions do.
    Question("let_down_with_baby", _rows(
        {"yes": 0.65, "no": 0.15, "unsure": 0.2},
        let_down={"yes": 0.8, "no": 0.08, "unsure": 0.12},
        anxiety={"yes": 0.6, "no": 0.15, "unsure": 0.25},
        supply={"yes": 0.2, "no": 0.55, "unsure": 0.25},
    )),
)
QUESTION_BY_SLOT: Mapping[str, Question] = {q.slot: q for q in QUESTIONS}
QUESTION_SLOTS: Tuple[str, ...] = tuple(QUESTION_BY_SLOT)


def known_answers(values: Mapping[str, Optional[str]]) -> Dict[str, str]:
    """Only the answers the model knows how to weigh (ignores unknown slots and values).

    "unsure" is an answer (the question is not put again) but says nothing about the cause, except
    where a question weighs it itself (flow, weight, flange size: not knowing is itself a clue).
    """
    return {
        slot: value
        for slot, value in values.items()
        if slot in QUESTION_BY_SLOT and value in QUESTION_BY_SLOT[slot].answers
    }


def posterior(answers: Mapping[str, Optional[str]]) -> Dict[str, float]:
    """P(cause | answers), normalised to sum to 1."""
    scores = dict(PRIORS)
    for slot, value in known_answers(answers).items():
        for cause in CAUSES:
            scores[cause] *= QUESTION_BY_SLOT[slot].likelihoods[cause][value]
    total = sum(scores.values())
    return {cause: score / total for cause, score in scores.items()}


def ranked(answers: Mapping[str, Optional[str]]) -> List[Tuple[str, float]]:
    # Ties break by the order of CAUSES (the article's order), so results never depend on dict order.
    post = posterior(answers)
    return sorted(post.items(), key=lambda item: (-item[1], CAUSES.index(item[0])))


def _entropy(dist: Mapping[str, float]) -> float:
    return -sum(p * math.log2(p) for p in dist.values() if p > 0)


def expected_entropy(question: Question, answers: Mapping[str, Optional[str]]) -> float:
    """Entropy over causes we expect to be left with after asking ``question``."""
    prior = posterior(answers)
    expected = 0.0
    for answer in question.answers:
        p_answer = sum(prior[c] * question.likelihoods[c][answer] for c in CAUSES)
        if p_answer > 0:
            expected += p_answer * _entropy(posterior({**answers, question.slot: answer}))
    return expected


def is_settled(answers: Mapping[str, Optional[str]], asked: int, skip: Collection[str] = ()) -> bool:
    """True once one cause clearly leads, the question budget is spent, or nothing is left to ask."""
    if answers.get("baby_gaining_well") == "no":
        return True  # a baby not gaining well needs a professional, not more pump questions
    if asked >= MAX_QUESTIONS or not remaining_questions(answers, skip):
        return True
    (_, top), (_, second) = ranked(answers)[:2]
    return top >= CONFIDENT_POSTERIOR and top >= LEAD_RATIO * second


def remaining_questions(answers: Mapping[str, Optional[str]], skip: Collection[str] = ()) -> List[Question]:
    """Questions with no answer yet; an "unsure" is an answer, so it is never asked again."""
    return [q for q in QUESTIONS if answers.get(q.slot) is None and q.slot not in skip]


def next_question(answers: Mapping[str, Optional[str]], asked: int = 0, skip: Collection[str] = ()) -> Optional[str]:
    """The slot to ask about next, or None when the diagnosis is settled.

    ``skip`` holds questions the person could not answer; they are not asked a third time.
    """
    if is_settled(answers, asked, skip):
        return None
    # min() keeps the first of equals, so QUESTIONS' order breaks ties deterministically.
    best = min(remaining_questions(answers, skip), key=lambda q: expected_entropy(q, answers))
    return best.slot


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    runner_up: str
    confidence: float
    runner_up_confidence: float


def diagnose(answers: Mapping[str, Optional[str]]) -> Diagnosis:
    if answers.get("baby_gaining_well") == "no":
        ranking = ranked(answers)
        runner = next(c for c, _ in ranking if c != "supply")
        post = dict(ranking)
        return Diagnosis("supply", runner, post["supply"], post[runner])
    (cause, p1), (runner, p2) = ranked(answers)[:2]
    return Diagnosis(cause, runner, p1, p2)
