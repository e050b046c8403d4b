"""The content book (`make content-book`): built from the running files, versioned by their content."""
from __future__ import annotations

import html
import shutil

import yaml

from coach import content_book
from coach.diagnosis import QUESTIONS
from coach.prompts import PROMPTS
from coach.safety import RedFlag


def test_the_book_holds_every_question_limit_guidance_entry_and_sign(tmp_path):
    out = tmp_path / "book.html"
    version = content_book.build(out)
    page = html.unescape(out.read_text(encoding="utf-8"))
    assert f"version {version}" in page
    for question in QUESTIONS:
        assert PROMPTS[question.slot].text in page
    limits = yaml.safe_load((content_book.ROOT / "content/en/storage_limits.yml").read_text(encoding="utf-8"))
    assert all(row["told"] in page for row in limits["limits"])
    guidance = yaml.safe_load((content_book.ROOT / "content/en/guidance.yml").read_text(encoding="utf-8"))
    assert all(key in page for key in guidance["entries"])
    assert all(flag.value in page for flag in RedFlag)
    from coach.red_flag_rules import rule_book
    rules = rule_book()
    assert all(step.does in page for step in rules.steps)
    assert all(example in page for entry in rules.entries.values() for example in entry.catches + entry.leaves)
    assert all(f"Why these figures: {q.why}" in page and q.why for q in QUESTIONS)  # every question carries its reason
    assert "Now, on one screen" in page  # the evaluation figures of this version


def test_the_version_changes_with_any_content_file_and_only_then(tmp_path):
    for name in content_book.content_files():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(content_book.ROOT / name, tmp_path / name)
    first = content_book.content_version(tmp_path)
    assert content_book.content_version(tmp_path) == first == content_book.content_version()
    (tmp_path / "content/en/storage_limits.yml").write_text(
        (tmp_path / "content/en/storage_limits.yml").read_text() + "\n# a comment\n")
    assert content_book.content_version(tmp_path) != first


def test_every_text_a_parent_can_get_is_in_the_book_with_its_id_and_source(tmp_path):
    from coach import content

    out = tmp_path / "book.html"
    content_book.build(out)
    page = html.unescape(out.read_text(encoding="utf-8"))
    for entry in content.catalogue().values():
        assert f"<td>{entry.id}</td><td>{entry.text}</td>" in page
        assert entry.source in page
