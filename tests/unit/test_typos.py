"""The seeded typo generator: same output every run, and it really changes the text."""
import random

import yaml

from eval.typos import make_typo_set, typo_text


def test_typos_are_repeatable_and_real(tmp_path):
    source = tmp_path / "nlu.yml"
    source.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
                      + "".join(f"    - hello there my lovely pumping friend {i}\n" for i in range(20)))
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    assert make_typo_set(source, a) == 20
    make_typo_set(source, b)
    assert a.read_text() == b.read_text()
    changed = [line for line in yaml.safe_load(a.read_text())["nlu"][0]["examples"].splitlines()
               if line.strip() and "hello there my lovely pumping friend" not in line]
    assert changed, "no example got a typo"


def test_short_words_and_digits_stay():
    rng = random.Random(1)
    assert typo_text("i 24 ok", rng, rate=1.0) == "i 24 ok"
