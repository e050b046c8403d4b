"""The content folder (content/<language>/): every text a parent reads, by id, with its source.

Four rules hold it together: every entry is complete and cites a source the project knows; domain.yml's
responses are the content's utter_ entries; every id is used by some code or rule (a text nobody says
is a text nobody reviews); and code holds no sentence a parent could read (it names ids instead).
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

from coach import content, replies

ROOT = content.ROOT
CODE_DIRS = ("coach", "actions", "channels", "components")
# Rasa rules and stories name responses by id too.
DATA_DIRS = ("data",)
SOURCE_KINDS = ("product", "article:", "CDC:", "clinical map:", "clinic.yml")

# Strings in the code folders that are sentences but never reach a parent, with the reason. The
# scanner below skips docstrings, log and exception messages, patterns and the ids themselves; what
# it still finds must be listed here, or moved into content/en.
NOT_FOR_PARENTS: Dict[str, Tuple[str, ...]] = {
    # A word list the non-English detector counts, not a text.
    "components/message_guard.py": ("el la los las", "the an my is it and", "red-flag veto"),
    # Phrases the entity rules match in a parent's message (words read, not words said).
    "components/entity_patterns.py": ("day before yesterday", "on the table"),
    # The spaCy pipeline's description and the build script's output.
    "components/build_spacy.py": ("Blank English tokenizer", "spaCy pipeline written to"),
    # Words the log reader skips when it reads an amount.
    "coach/pumping_log.py": ("ml mls ml. oz",),
    # The marker line content.py writes into domain.yml.
    "coach/content.py": ("# --- responses: generated",),
    # The reasons a check-in row is closed without a message, shown to staff in the review app.
    "channels/checkins.py": ("they need an SQL tracker store", "already in the conversation", "no longer asked for",
                             "no answer within", "recorded, but the platform call failed", "replaced by a newer",
                             "a newer request or a stop", "the conversation no longer exists"),
    "coach/checkins.py": ("outside WhatsApp's 24 h window", " h late is no longer useful", " h (servers were down)"),
    # Health and metrics answers for the clinic's IT, and the staff API's own errors.
    "channels/ops.py": ("not an SQL store", "no round finished", "metrics are served"),
    "channels/staff.py": ("recorded, but the parent could not be told", "the reply is empty",
                          "take the conversation over first", "not delivered, try again", "no such conversation"),
    # HTTP errors answered to a platform's servers (Telegram, Meta, Twilio), and the labels of its calls.
    "channels/telegram.py": ("expected a Telegram update",),
    "channels/twilio_whatsapp.py": ("twilio media message", "expected MessageSid"),
    "channels/whatsapp.py": ("whatsapp media upload", "expected a WhatsApp webhook"),
    # HTTP errors and headers for the widget's developer (the widget shows its own text for a refused message).
    "channels/webchat.py": ("too many charts at once", "The request body is not valid JSON.", "GET, POST, OPTIONS",
                            "not a chart"),
    # The content book's own headings and explanations, read by the clinician who signs it off.
    "coach/content_book.py": ("",),
}


# --- the entries -------------------------------------------------------------------------------


def test_every_entry_has_words_and_a_source_the_project_knows():
    sections = content.table("guidance.yml")["sections"]
    for entry in content.catalogue().values():
        assert entry.source.startswith(SOURCE_KINDS), (entry.id, entry.source)
        if entry.source.startswith("article:"):
            key = entry.source.split(":", 1)[1].split(";")[0].strip()
            assert key in sections, f"{entry.id} cites unknown article section {key!r}"
    for slot, spec in content.table("questions.yml")["questions"].items():
        assert spec["source"].startswith(SOURCE_KINDS), slot


def test_a_text_says_its_placeholders_and_refuses_to_leave_one_empty():
    assert content.text("privacy_kept_for_days", days=30) == "It is deleted 30 days after your last message."
    with pytest.raises(content.ContentError, match="days"):
        content.text("privacy_kept_for_days", other=1)
    with pytest.raises(content.ContentError, match="no text with id"):
        content.text("no_such_id")


def _write(folder: Path, name: str, data: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.parametrize("texts, message", [
    ({"a": {"text": "Hi"}}, "source"),
    ({"a": {"text": "", "source": "product"}}, "non-empty"),
    ({"a": {"text": "Hi", "source": "product", "colour": "red"}}, "unknown keys"),
    ({"a": {"text": "Hi {name", "source": "product"}}, "placeholder"),
    ({"a": {"text": "Hi", "source": "product", "buttons": ["b"]}}, "buttons with no text"),
])
def test_a_malformed_file_is_refused_with_the_id_and_the_reason(tmp_path, texts, message):
    _write(tmp_path / "xx", "one.yml", {"texts": texts})
    with pytest.raises(content.ContentError, match=message):
        content.catalogue.__wrapped__("xx", tmp_path)


def test_an_id_in_two_files_is_refused(tmp_path):
    _write(tmp_path / "xx", "one.yml", {"texts": {"a": {"text": "Hi", "source": "product"}}})
    _write(tmp_path / "xx", "two.yml", {"texts": {"a": {"text": "Hello", "source": "product"}}})
    with pytest.raises(content.ContentError, match="also in one.yml"):
        content.catalogue.__wrapped__("xx", tmp_path)


def test_a_second_language_is_a_copy_of_the_folder_with_the_same_ids_and_placeholders(tmp_path):
    """How the Spanish work will add a language: the loader reads any folder; the ids and each text's
    placeholders must match English (this is the check a translation will run)."""
    shutil.copytree(ROOT / "content" / "en", tmp_path / "es")
    english = content.catalogue()
    other = content.catalogue.__wrapped__("es", tmp_path)
    assert set(other) == set(english)
    assert all(other[i].placeholders == english[i].placeholders for i in english)
    with pytest.raises(content.ContentError, match="no content for language"):
        content.catalogue.__wrapped__("fr", tmp_path)


def test_every_check_opens_with_the_words_the_transcript_readers_look_for():
    for kind, check in replies.SAFETY_CHECK.items():
        assert check.startswith(replies.SAFETY_CHECK_TEXTS) or replies.SAFETY_CHECK_TEXTS[1] in check, kind


# --- domain.yml ----------------------------------------------------------------------------------


def test_domain_responses_are_the_contents_utter_entries():
    current = content.DOMAIN_FILE.read_text(encoding="utf-8")
    assert current == content.domain_text(current), "run: .venv/bin/python -m coach.content domain"
    domain = yaml.safe_load(current)
    assert set(domain["responses"]) == {i for i in content.catalogue() if i.startswith("utter_")}


# --- ids used, literals gone -----------------------------------------------------------------------


def _code_files() -> Iterator[Path]:
    for folder in CODE_DIRS:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_every_id_is_said_by_some_code_or_rule():
    code = "\n".join(p.read_text(encoding="utf-8") for p in _code_files())
    rules = "\n".join(p.read_text(encoding="utf-8") for d in DATA_DIRS for p in sorted((ROOT / d).rglob("*.yml")))
    referenced = {b for e in content.catalogue().values() for b in e.buttons}
    unused = [
        text_id for text_id in content.catalogue()
        if text_id not in referenced
        and not re.search(r"""["']""" + re.escape(text_id) + r"""["']""", code)
        and not re.search(r"\b" + re.escape(text_id) + r"\b", rules)
    ]
    assert unused == [], f"ids nothing says (remove them, or name them in code): {unused}"


def _skipped_nodes(tree: ast.AST) -> set:
    """Docstrings, and every string inside a log call, an exception, a pattern or a content lookup."""
    skipped = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skipped.add(id(body[0].value))
        calls_we_skip = ("debug", "info", "warning", "error", "exception", "critical", "compile", "search", "match",
                         "sub", "fullmatch", "findall", "finditer", "split", "add_argument", "ArgumentParser",
                         "text", "entry", "button_titles", "warn", "exit", "print",
                         "_override_intent")  # the guard's step names, recorded for staff
        inside = (isinstance(node, ast.Raise)
                  or (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
                      in calls_we_skip))
        if inside:
            skipped.update(id(n) for n in ast.walk(node))
    return skipped


_SENTENCE = re.compile(r"[A-Za-z]{2,}[,;:]? [A-Za-z]{1,}[,;:]? [A-Za-z]")
_PATTERN = re.compile(r"\\[bdswBSW]|\(\?|\[\^|\|")


def parent_facing_literals(path: Path) -> List[Tuple[int, str]]:
    """Strings in a module that read like words for a person: three or more words, not a pattern."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _skipped_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            if _SENTENCE.search(node.value) and not _PATTERN.search(node.value):
                found.append((node.lineno, node.value))
    return found


def test_no_sentence_a_parent_could_read_is_written_in_code():
    leftovers = []
    for path in _code_files():
        name = str(path.relative_to(ROOT))
        allowed = NOT_FOR_PARENTS.get(name, ())
        for line, text in parent_facing_literals(path):
            if not any(text.startswith(prefix) for prefix in allowed):
                leftovers.append(f"{name}:{line}: {text[:70]!r}")
    assert leftovers == [], "move these into content/en (or list them in NOT_FOR_PARENTS with a reason):\n" + \
        "\n".join(leftovers)


def test_the_scanner_finds_a_sentence_and_leaves_patterns_logs_and_ids(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        '"""A docstring with many words."""\n'
        "import logging, re\n"
        "from coach import content\n"
        "A = 'Please call the clinic now.'\n"
        "B = re.compile(r'\\bfever and chills\\b')\n"
        "logging.getLogger().info('worker started on port 5')\n"
        "C = content.text('privacy_notice')\n"
        "D = f'Your log shows {1} ml a session'\n",
        encoding="utf-8")
    texts = [text for _, text in parent_facing_literals(module)]
    assert texts == ["Please call the clinic now.", "Your log shows ", " ml a session"]
