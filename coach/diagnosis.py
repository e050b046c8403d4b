"""Which of the article's causes best explains little or no milk when pumping.

A small naive-Bayes model: each cause starts with a prior, each answer multiplies in how likely that
answer is under each cause. The next question is the one whose answer is expected to shrink the
uncertainty (entropy) the most, so the assistant asks few questions and never a useless one.

The model is data, one spec per question with the reason for its figures (coach/knowledge/questions.yml).
The likelihoods are judgement calls drawn from the article's four reasons (pump, parts and settings,
hating pumping, let-down) plus the check the article implies: if nursing goes badly too and the baby
is not gaining, the trouble is likely milk production, not the pump.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Dict, List, Mapping, Optional, Tuple

import yaml

from coach.vocabulary import CAUSES

SPEC_FILE = Path(__file__).resolve().parent / "knowledge" / "questions.yml"


class QuestionSpecError(ValueError):
    """coach/knowledge/questions.yml is malformed: caught by the tests and when a process starts."""


@dataclass(frozen=True)
class Question:
    slot: str
    # likelihoods[cause][answer] = P(answer | cause); each row sums to 1.
    likelihoods: Mapping[str, Mapping[str, float]]
    why: str = ""  # the reason for the figures, as the spec file gives it
    reader: str = ""  # the function of coach/answers.py that reads a typed answer

    @property
    def answers(self) -> Tuple[str, ...]:
        return tuple(next(iter(self.likelihoods.values())).keys())


def _question(slot: str, raw: Any) -> Question:
    if not isinstance(raw, dict) or not isinstance(raw.get("likelihoods"), dict) or "default" not in raw["likelihoods"]:
        raise QuestionSpecError(f"{slot}: needs 'likelihoods' with a 'default' row")
    rows = raw["likelihoods"]
    unknown = set(rows) - {"default", *CAUSES}
    if unknown:
        raise QuestionSpecError(f"{slot}: likelihood rows for unknown causes {sorted(unknown)}")
    likelihoods = {cause: {str(k): float(v) for k, v in rows.get(cause, rows["default"]).items()} for cause in CAUSES}
    answers = list(likelihoods[CAUSES[0]])
    for cause, row in likelihoods.items():
        if list(row) != answers:
            raise QuestionSpecError(f"{slot}: {cause}'s row has answers {list(row)}, not {answers}")
        if abs(sum(row.values()) - 1) > 1e-9:
            raise QuestionSpecError(f"{slot}: {cause}'s row sums to {sum(row.values())}, not 1")
    return Question(slot, likelihoods, str(raw.get("why") or ""), str(raw.get("reader") or slot))


def load_spec(path: Path = SPEC_FILE) -> Tuple[Mapping[str, float], Mapping[str, float], Tuple[Question, ...]]:
    """(priors, when to stop, the questions in the order they are tried) from the spec file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), dict):
        raise QuestionSpecError(f"{path}: expected 'priors', 'settle' and 'questions'")
    priors = {cause: float(raw["priors"][cause]) for cause in CAUSES}
    if abs(sum(priors.values()) - 1) > 1e-9:
        raise QuestionSpecError(f"{path}: the priors sum to {sum(priors.values())}, not 1")
    questions = tuple(_question(str(slot), body) for slot, body in raw["questions"].items())
    return priors, dict(raw["settle"]), questions


PRIORS, _SETTLE, QUESTIONS = load_spec()
CONFIDENT_POSTERIOR = float(_SETTLE["confident_posterior"])
LEAD_RATIO = float(_SETTLE["lead_ratio"])
MAX_QUESTIONS = int(_SETTLE["max_questions"])
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
