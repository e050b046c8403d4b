"""A seeded typo generator: the held-out NLU set as people type it on a phone keyboard.

Per word, with probability ``rate``, one edit: a neighbouring key, a dropped letter, two letters
swapped or a letter doubled. Seeded, so the same typo set is made every time.

    python eval/typos.py tests/nlu/test_nlu.yml results/eval/test_nlu_typos.yml
"""
from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Dict

import yaml

SEED = 20261127
# Per-word chance of an edit: about one typo in every four to five words, as in quick phone typing.
RATE = 0.25
_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS: Dict[str, str] = {}
for r, row in enumerate(_ROWS):
    for c, ch in enumerate(row):
        near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
        for other in (r - 1, r + 1):
            if 0 <= other < len(_ROWS):
                near += [_ROWS[other][i] for i in (c - 1, c, c + 1) if 0 <= i < len(_ROWS[other])]
        NEIGHBOURS[ch] = "".join(near)


def typo_word(word: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(word) if ch.lower() in NEIGHBOURS]
    if len(word) < 3 or not letters:
        return word
    i = rng.choice(letters)
    edit = rng.choice(("neighbour", "drop", "swap", "double"))
    if edit == "neighbour":
        return word[:i] + rng.choice(NEIGHBOURS[word[i].lower()]) + word[i + 1:]
    if edit == "drop":
        return word[:i] + word[i + 1:]
    if edit == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i] + word[i:]


def typo_text(text: str, rng: random.Random, rate: float = RATE) -> str:
    return " ".join(typo_word(w, rng) if rng.random() < rate else w for w in text.split(" "))


def make_typo_set(source: Path, target: Path, seed: int = SEED) -> int:
    rng = random.Random(seed)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    count = 0
    for block in data["nlu"]:
        lines = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
        block["examples"] = "".join(f"- {typo_text(line, rng)}\n" for line in lines)
        count += len(lines)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return count


if __name__ == "__main__":
    n = make_typo_set(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{n} examples with typos written to {sys.argv[2]}")
