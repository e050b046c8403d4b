"""How the pretrained sentence encoder reads red flags, measured offline (counts only).

`coach/encoder.py` runs all-MiniLM-L6-v2 in numpy as a third reader of red flags. Two measurements:

    .venv/bin/python -m eval.encoder_probe --sets     # today's readers with and without the encoder
    .venv/bin/python -m eval.encoder_probe --floor    # where the encoder may be skipped (cross-validation)

``--sets`` adds the encoder's suspicion to today's rules and red-flag model at a few thresholds, on
every safety set, and prints counts only, so held-out sets stay unread.

``--floor`` chooses ``coach.encoder.RUN_ABOVE`` without any evaluation set: five folds of
``safety/training/``; in each, both models are fitted on four folds and read the fifth. Of the signs the
rules and the red-flag model miss but the encoder catches, it prints how the red-flag model scored them,
and of the ordinary examples, how many a floor would let through to the encoder (its cost).
"""
from __future__ import annotations

import argparse
import glob
import random
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import yaml

from coach.encoder import MiniLM, default_reader, model_folder
from coach.safety import detect_red_flags
from coach.safety_model import NONE, SUSPECT_THRESHOLD, default_model, load_nlu_examples, safety_examples, train

ROOT = Path(__file__).resolve().parent.parent
SETS = ("corpus", "corpus_heldout5", "corpus_heldout6", "corpus_heldout7")
THRESHOLDS = (0.7, 0.8, 0.9)
FLOORS = (0.0, 0.01, 0.02, 0.05, 0.1)


def _messages(name: str) -> List[Dict[str, Any]]:
    return [m for path in sorted(glob.glob(str(ROOT / "eval" / name / "*safety*.yml")))
            for m in yaml.safe_load(Path(path).read_text(encoding="utf-8"))["messages"]]


def sets() -> None:
    from eval.safety_model_eval import decision

    model, reader = default_model(), default_reader()
    for name in SETS:
        items = _messages(name)
        today = {m["id"]: decision(m["text"], model, SUSPECT_THRESHOLD, encoder=False) != "none" for m in items}
        encoder = {m["id"]: reader.probability(m["text"]) for m in items}
        flags = [m for m in items if m["kind"] == "red_flag"]
        near = [m for m in items if m["kind"] == "near_miss"]
        line = f"{name}: today {sum(today[m['id']] for m in flags)}/{len(flags)} flags, " \
               f"{sum(today[m['id']] for m in near)}/{len(near)} near misses"
        for threshold in THRESHOLDS:
            caught = sum(today[m["id"]] or encoder[m["id"]] >= threshold for m in flags)
            alarmed = sum(today[m["id"]] or encoder[m["id"]] >= threshold for m in near)
            line += f"; encoder at {threshold}: {caught}/{len(flags)}, {alarmed}/{len(near)}"
        product = [decision(m["text"], model, SUSPECT_THRESHOLD) != "none" for m in items]
        line += (f"; as shipped: {sum(p for p, m in zip(product, items, strict=True) if m['kind'] == 'red_flag')}/{len(flags)}, "
                 f"{sum(p for p, m in zip(product, items, strict=True) if m['kind'] == 'near_miss')}/{len(near)}")
        print(line)


def floor(folds: int = 5) -> None:
    from sklearn.linear_model import LogisticRegression

    encoder = MiniLM(model_folder())
    examples = list(safety_examples())
    nlu = load_nlu_examples()
    nlu_vectors = np.array([encoder.embed(text) for text, _ in nlu])
    vectors = np.array([encoder.embed(text) for text, _ in examples])
    signs = np.array([label != NONE for _, label in examples])
    order = list(range(len(examples)))
    random.Random(20261207).shuffle(order)
    rows: List[Tuple[bool, float, float]] = []  # (a sign, the red-flag model's score, the encoder's)
    for fold in range(folds):
        test = [i for n, i in enumerate(order) if n % folds == fold]
        held = set(test)
        fit_idx = [i for i in range(len(examples)) if i not in held]
        model = train([examples[i] for i in fit_idx] + nlu)
        regression = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
        # As coach/encoder.py fits it: the folds' examples and every intent classifier message.
        regression.fit(np.vstack([vectors[fit_idx], nlu_vectors]),
                       np.concatenate([signs[fit_idx], [label != NONE for _, label in nlu]]))
        for i, pe in zip(test, regression.predict_proba(vectors[test])[:, 1], strict=True):
            text = examples[i][0]
            p_model = model.flag_probability(text)
            if not detect_red_flags(text) and p_model < SUSPECT_THRESHOLD:  # what the other readers leave
                rows.append((bool(signs[i]), p_model, float(pe)))
    left_signs = sum(sign for sign, _, _ in rows)
    print(f"held-out examples the rules and the red-flag model leave: {left_signs} signs, "
          f"{len(rows) - left_signs} ordinary")
    for threshold in THRESHOLDS:
        for value in FLOORS:
            caught = sum(sign and pm >= value and pe >= threshold for sign, pm, pe in rows)
            false = sum(not sign and pm >= value and pe >= threshold for sign, pm, pe in rows)
            runs = sum(not sign and pm >= value for sign, pm, pe in rows)
            print(f"encoder at {threshold}, floor {value}: catches {caught}/{left_signs} signs, checks "
                  f"{false} ordinary; runs on {runs} ordinary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", action="store_true", help="today's readers with and without the encoder")
    parser.add_argument("--floor", action="store_true", help="choose the red-flag model floor below which it is skipped")
    args = parser.parse_args()
    if args.floor:
        floor()
    elif args.sets:
        sets()
    else:
        parser.error("give --sets or --floor")


if __name__ == "__main__":
    main()
