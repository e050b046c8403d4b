"""The words that count as each answer (coach/knowledge/answer_words.en.yml) and their loader."""
import ast
from pathlib import Path

import pytest

from coach import answer_words, answers
from coach.answer_words import WordFileError, load
from coach.diagnosis import QUESTION_BY_SLOT

BOOK = answer_words.words()
ANSWERS_SOURCE = Path(answers.__file__).read_text(encoding="utf-8")

GOOD = """\
language: en
common:
  first:
    why: 'A reason.'
    before: '\\b('
    any_of:
      - 'one'
      - 'two'
    after: ')\\b'
pump_type:
  second:
    value: manual
    any_of:
      - 'hand pump'
    catches:
      - 'a hand pump'
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answer_words.en.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_well_formed_file_joins_each_entry_into_one_pattern(tmp_path):
    book = load(_write(tmp_path, GOOD))
    assert book.pattern("first").pattern == r"\b(one|two)\b"
    assert book.valued("pump_type") == (("manual", book.pattern("second")),)
    assert book.entries["second"].catches == ("a hand pump",)
    assert book.sections() == ("common", "pump_type")
    with pytest.raises(WordFileError, match="third"):
        book.pattern("third")


@pytest.mark.parametrize(
    "text, reason",
    [
        (GOOD.replace("    why: 'A reason.'", "    whyy: 'A reason.'"), r"common\.first: unknown keys \['whyy'\]"),
        (GOOD.replace("      - 'two'", "      - 'two('"), r"common\.first: not a valid pattern"),
        (GOOD.replace("  second:", "  first:"), r"pump_type\.first: the name is also used in common"),
        (GOOD + "  second:\n    any_of: ['x']\n", r"second: named twice"),
        (GOOD.replace("    any_of:\n      - 'hand pump'\n", ""), r"pump_type\.second: needs 'any_of'"),
        (GOOD.replace("      - 'two'", "      - yes"), r"common\.first: needs 'any_of'.*quoted strings"),
        (GOOD.replace("    value: manual\n", ""), r"pump_type\.second: 'catches' needs the 'value'"),
        (GOOD.replace("    value: manual", "    value: 3"), r"pump_type\.second: 'value'"),
        (GOOD.replace("    before: '\\b('", "    before: 4"), r"common\.first: 'before' is a quoted string"),
        (GOOD.replace("language: en\n", ""), r"expected a mapping with 'language'"),
        (GOOD + "flange_fit: 'rubs'\n", r"flange_fit: a section holds named entries"),
        (GOOD.replace("  second:", "  Second-Entry:"), r"pump_type\.Second-Entry: a name is lower-case"),
        ("language: en\ncommon: [\n", r"not valid YAML"),
    ],
)
def test_a_malformed_file_is_refused_with_the_entry_and_the_reason(tmp_path, text, reason):
    with pytest.raises(WordFileError, match=reason):
        load(_write(tmp_path, text))


def test_the_sections_are_the_questions_slots_or_common():
    assert set(BOOK.sections()) <= set(answers.PARSERS) | {"common"}


def test_every_entry_is_used_by_the_readers():
    literals = {node.value for node in ast.walk(ast.parse(ANSWERS_SOURCE))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    # An entry with a value is used through its section ("valued"), in the file's order.
    valued_sections = {entry.section for entry in BOOK.entries.values() if entry.value is not None}
    assert valued_sections <= literals
    unused = [name for name, entry in BOOK.entries.items() if entry.value is None and name not in literals]
    assert unused == []


def test_values_are_answers_of_their_question():
    for entry in BOOK.entries.values():
        if entry.value is not None:
            assert entry.value in QUESTION_BY_SLOT[entry.section].answers, entry.name


@pytest.mark.parametrize(
    "name, message",
    [(name, message) for name, entry in BOOK.entries.items() for message in entry.catches],
)
def test_every_example_is_read_as_its_entrys_value(name, message):
    entry = BOOK.entries[name]
    assert entry.pattern.search(answers.normalise(message)), "the entry's own words are in the example"
    assert answers.PARSERS[entry.section](message) == entry.value


def test_the_readers_use_the_files_patterns():
    assert answers._PUMP_TYPES == BOOK.valued("pump_type")
    assert answers._ELECTRIC is BOOK.pattern("electric") is answers._PUMP_TYPES[-1][1]
