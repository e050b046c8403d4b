"""The red-flag model on its own, without a server: quick figures for choosing its threshold.

    .venv/bin/python -m eval.safety_model_eval            # every safety set under eval/
    .venv/bin/python -m eval.safety_model_eval --cv       # 5-fold cross-validation on its training data

For each evaluation set it prints what the phrase rules alone decide, and what the rules plus the
model decide (a model suspicion that the plausibility filter keeps means one safety check), as red
flags caught (escalated or checked) and near misses alarmed (escalated or checked). The intent
classifier's own suspicions are not in these figures; `eval.corpus_eval` measures the whole assistant
through the real server.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from coach.safety import CHECK_FIRST, NEVER_DOUBTED, decide, detect_red_flags
from coach.safety_model import (
    KINDS,
    NONE,
    SUSPECT_THRESHOLD,
    default_model,
    load_nlu_examples,
    load_safety_examples,
    train,
)
from coach.suspicion import suspicion
from eval import sets as eval_sets

EVAL = Path(__file__).resolve().parent


def safety_sets(names: Sequence[str]) -> Dict[str, List[dict]]:
    sets: Dict[str, List[dict]] = {}
    for path in sorted(EVAL.glob("corpus*/*safety*.yml")):
        if names and path.parent.name not in names:
            continue
        sets[path.parent.name] = eval_sets.load(path).get("messages") or []
    return sets


def decision(text: str, model, threshold: float, encoder: bool = True) -> str:
    """'escalate', 'check' or 'none', as the guard and the red-flag action would decide without the intent classifier.

    ``encoder=False`` leaves out the sentence encoder's reading (coach/encoder.py), to measure what it adds.
    """
    flags = detect_red_flags(text)
    if any(flag not in CHECK_FIRST for flag in flags):
        probability = model.flag_probability(text) if model is not None else None
        return "check" if decide(flags, text, None, model_probability=probability).check else "escalate"
    if flags:
        return "check"
    if model is None:
        return "none"
    return "check" if suspicion(text, model, threshold, encoder) else "none"


def score(items: List[dict], model, threshold: float) -> Tuple[str, List[str]]:
    flags = [m for m in items if m["kind"] == "red_flag"]
    near = [m for m in items if m["kind"] != "red_flag"]
    caught = [m for m in flags if decision(m["text"], model, threshold) != "none"]
    alarmed = [m for m in near if decision(m["text"], model, threshold) != "none"]
    by_kind = {kind: f"{sum(m['flag'] == kind for m in caught)}/{sum(m['flag'] == kind for m in flags)}"
               for kind in sorted({m["flag"] for m in flags})}
    escalated = sum(decision(m["text"], model, threshold) == "escalate" for m in alarmed)
    return (f"red flags caught {len(caught)}/{len(flags)} {by_kind}, near misses alarmed {len(alarmed)}/{len(near)} "
            f"({escalated} escalated, {len(alarmed) - escalated} checked)", [m["id"] for m in alarmed])


def cross_validate(folds: int = 5, c_values: Sequence[float] = (1.0, 2.0, 4.0, 8.0)) -> None:
    examples = load_safety_examples() + load_nlu_examples()
    order = list(range(len(examples)))
    random.Random(20261129).shuffle(order)
    for c in c_values:
        tp = fn = fp = tn = 0
        for fold in range(folds):
            test = {i for n, i in enumerate(order) if n % folds == fold}
            model = train([examples[i] for i in order if i not in test], c=c)
            for i in test:
                text, label = examples[i]
                suspected = model.flag_probability(text) >= SUSPECT_THRESHOLD
                if label in KINDS:
                    tp, fn = tp + suspected, fn + (not suspected)
                else:
                    fp, tn = fp + suspected, tn + (not suspected)
        print(f"C={c}: flags suspected {tp}/{tp + fn} ({tp / max(tp + fn, 1):.1%}), "
              f"ordinary suspected {fp}/{fp + tn} ({fp / max(fp + tn, 1):.1%})")


def doubt_cross_validate(folds: int = 5, cuts: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5)) -> None:
    """Where the red-flag model's doubt should turn a rule's alarm into one confirming question
    (coach.safety.DOUBT_BELOW): five folds of safety/training, each read by a model fitted without it."""
    examples = load_safety_examples()
    nlu = load_nlu_examples()
    alarmed = [i for i, (text, _) in enumerate(examples)
               if {f for f in detect_red_flags(text) if f not in CHECK_FIRST} - NEVER_DOUBTED]
    order = list(range(len(examples)))
    random.Random(7).shuffle(order)
    probability = {}
    for fold in range(folds):
        test = {i for n, i in enumerate(order) if n % folds == fold}
        model = train([examples[i] for i in range(len(examples)) if i not in test] + nlu)
        probability.update({i: model.flag_probability(examples[i][0]) for i in test if i in alarmed})
    signs = [i for i in alarmed if examples[i][1] != NONE]
    print(f"the rules alarm on {len(signs)} signs and {len(alarmed) - len(signs)} look-alikes "
          f"(words of self-harm left out: never doubted)")
    for cut in cuts:
        asked = [i for i in alarmed if probability[i] < cut]
        print(f"doubt below {cut}: {sum(examples[i][1] == NONE for i in asked)} look-alikes get the question instead "
              f"of the alarm; {sum(examples[i][1] != NONE for i in asked)} signs get it before the answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="cross-validate on the training data instead")
    parser.add_argument("--sets", nargs="*", default=[], help="evaluation folders (default: every one)")
    parser.add_argument("--threshold", type=float, nargs="*", default=[SUSPECT_THRESHOLD])
    parser.add_argument("--ids", action="store_true", help="print the ids of the near misses alarmed")
    parser.add_argument("--doubt", action="store_true", help="cross-validate coach.safety.DOUBT_BELOW instead")
    args = parser.parse_args()
    if args.cv:
        cross_validate()
        return
    if args.doubt:
        doubt_cross_validate()
        return
    examples = load_safety_examples()
    print(f"training: {len(examples)} written examples "
          f"({sum(label != NONE for _, label in examples)} signs) + {len(load_nlu_examples())} NLU examples")
    model = default_model()
    for name, items in safety_sets(args.sets).items():
        print(f"{name}: rules alone: {score(items, None, 1.0)[0]}")
        for threshold in args.threshold:
            line, ids = score(items, model, threshold)
            print(f"{name}: rules + model at {threshold}: {line}" + (f"  {ids}" if args.ids else ""))


if __name__ == "__main__":
    main()
