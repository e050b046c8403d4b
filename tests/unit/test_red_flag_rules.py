"""safety/rules.en.yml: the red-flag rules as data, each with the messages it must catch and leave.

The examples in the file are these tests: a rule's `catches` must give its flag and hold its words,
its `leaves` must not give its flag; a mask's `leaves` must hold the mask's words and give no flag.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from coach import red_flag_rules, safety

BOOK = red_flag_rules.rule_book()
RULES_FILE = red_flag_rules.RULES_DIR / "rules.en.yml"


def _examples(table: str, kind: str):
    return [pytest.param(name, text, id=f"{name}: {text[:40]}")
            for name, entry in BOOK.entries.items() if entry.table == table for text in getattr(entry, kind)]


def _flags(text: str):
    return [flag.value for flag in safety.detect_red_flags(text)]


@pytest.mark.parametrize("name, text", _examples("rules", "catches"))
def test_a_rule_catches_its_examples(name, text):
    entry = BOOK.entries[name]
    assert entry.pattern.search(safety.normalise(text)), "the example does not hold the rule's words"
    assert entry.flag in _flags(text)


@pytest.mark.parametrize("name, text", _examples("rules", "leaves"))
def test_a_rule_leaves_its_look_alikes(name, text):
    assert BOOK.entries[name].flag not in _flags(text)


@pytest.mark.parametrize("name, text", _examples("masks", "leaves"))
def test_a_mask_sets_its_examples_aside(name, text):
    assert BOOK.entries[name].pattern.search(safety.normalise(text)), "the example does not hold the mask's words"
    assert _flags(text) == []


def test_every_rule_and_mask_carries_examples():
    for name, entry in BOOK.entries.items():
        if entry.table == "rules":
            assert entry.catches and entry.leaves, f"rule {name} needs messages it catches and look-alikes it leaves"
        if entry.table == "masks":
            assert entry.leaves, f"mask {name} needs messages it sets aside"


def test_every_entry_is_used_by_a_step_or_named_by_the_code():
    code = (Path(safety.__file__)).read_text(encoding="utf-8")
    used = {name for step in BOOK.steps for name in step.uses}
    unused = [name for name in BOOK.entries if name not in used and f'"{name}"' not in code]
    assert unused == []


def test_the_steps_in_the_file_are_the_engines_and_run_in_the_files_order(monkeypatch):
    assert {step.name for step in BOOK.steps} == set(safety._STEPS)
    ran = []
    for name, function in list(safety._STEPS.items()):
        monkeypatch.setitem(safety._STEPS, name, lambda r, use, n=name, f=function: (ran.append(n), f(r, use)))
    safety.detect_red_flags("my baby has had two wet diapers today and I have a fever")
    assert ran == [step.name for step in BOOK.steps]


def test_a_step_may_use_only_the_patterns_its_entry_names():
    step = next(s for s in BOOK.steps if s.name == "bottle_refusal")
    uses = safety._Uses(step)
    assert uses("feeds_fine") is BOOK.pattern("feeds_fine")
    with pytest.raises(red_flag_rules.RuleFileError, match="does not name"):
        uses("fever")


def test_a_question_in_general_skips_the_physical_steps_but_not_self_harm():
    assert safety.detect_red_flags("how do I know if I have mastitis? fever and a red breast?") == []
    assert safety.detect_red_flags("what are the signs of ppd? I want to die") == [safety.RedFlag.MENTAL_HEALTH]


def test_a_synonym_stands_for_its_words():
    assert "{diaper}" in RULES_FILE.read_text(encoding="utf-8")
    assert "diapers?|nappies|nappy" in BOOK.pattern("infant_words").pattern
    assert "{diaper}" not in BOOK.pattern("infant_words").pattern


def _write(tmp_path, **tables) -> Path:
    path = tmp_path / "rules.xx.yml"
    path.write_text(yaml.safe_dump({"synonyms": {"nappy": "nappy|diaper"}, **tables}), encoding="utf-8")
    return path


@pytest.mark.parametrize("tables, message", [
    ({"rules": {"a": {"any_of": ["x"]}}}, "needs a flag"),
    ({"rules": {"a": {"flag": "fever"}}}, "needs 'any_of'"),
    ({"masks": {"a": {"any_of": ["(unclosed"]}}}, "not a valid pattern"),
    ({"masks": {"a": {"any_of": ["{nappies}"]}}}, "unknown synonym"),
    ({"masks": {"a": {"any_of": ["x"], "colour": 1}}}, "unknown keys"),
    ({"masks": {"a": {"any_of": ["x"], "leaves": "one"}}}, "list of messages"),
    ({"masks": {"a": {"any_of": ["x"]}}, "parts": {"a": {"any_of": ["y"]}}}, "also used"),
    ({"masks": {"a": {"any_of": ["x"]}}, "steps": [{"name": "s", "uses": ["b"]}]}, "unknown patterns"),
])
def test_a_malformed_rules_file_is_refused_with_the_entry_and_the_reason(tmp_path, tables, message):
    with pytest.raises(red_flag_rules.RuleFileError, match=message):
        red_flag_rules.load(_write(tmp_path, **tables))


def test_a_pattern_is_its_parts_joined_and_a_count_is_not_a_synonym(tmp_path):
    book = red_flag_rules.load(_write(tmp_path, masks={"a": {"before": r"\b(", "any_of": ["wet {nappy}", "x{0,3}"],
                                                               "after": r")\b"}}))
    assert book.pattern("a").pattern == r"\b(wet nappy|diaper|x{0,3})\b"
    assert re.search(book.pattern("a"), "two wet nappy")
