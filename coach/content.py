"""Every text a parent can read, by id, from ``content/<language>/``.

The layout is described once, in ``content/README.md``: one folder per language; each ``*.yml`` file
in it holds a ``texts:`` mapping of ids to entries, and three files hold tables (``questions.yml``: the
troubleshooting questions and their buttons; ``guidance.yml``: the answers, with their article
sections; ``storage_limits.yml``: the stored-milk limits with the CDC source of each row). An entry is::

    some_id:
      text: "Words a parent reads, with {named} placeholders the code fills in."
      source: "product"            # or "article: <guidance section key>", "CDC: ...", "clinical map: ..."
      buttons: [button_low_output]  # optional: ids of the quick replies shown under it

Ids are unique across the files of a language, so code names a text by its id alone. Ids that start
with ``utter_`` are Rasa responses: ``python -m coach.content domain`` writes them into domain.yml
(Rasa reads responses only from the domain), and a test fails when the two differ.
"""
from __future__ import annotations

import string
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
# The language of every conversation until the Spanish work adds a way to choose.
DEFAULT_LANGUAGE = "en"
# The files of a language folder that are tables, not `texts:` mappings (read by their own modules).
TABLE_FILES = ("questions.yml", "guidance.yml", "storage_limits.yml")
RESPONSE_PREFIX = "utter_"
DOMAIN_FILE = ROOT / "domain.yml"
# Where the generated responses start in domain.yml: everything from this line on is rewritten.
DOMAIN_MARKER = "# --- responses: generated from content/en by `python -m coach.content domain`; edit them there ---"


class ContentError(ValueError):
    """A content file is malformed: caught by the tests and when a process loads the texts."""


@dataclass(frozen=True)
class Text:
    id: str
    text: str
    source: str
    file: str
    buttons: Tuple[str, ...] = ()

    @property
    def placeholders(self) -> FrozenSet[str]:
        return placeholders(self.text)


def placeholders(template: str) -> FrozenSet[str]:
    """The ``{named}`` fields of a text."""
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
    except ValueError as error:
        raise ContentError(f"bad placeholder in {template!r}: {error}") from error


def _entry(text_id: str, raw: Any, file: str) -> Text:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise ContentError(f"{file}: {text_id} needs a non-empty 'text'")
    if not isinstance(raw.get("source"), str) or not raw["source"].strip():
        raise ContentError(f"{file}: {text_id} needs a 'source' (product, article: <section>, CDC: <page>, ...)")
    unknown = set(raw) - {"text", "source", "buttons"}
    if unknown:
        raise ContentError(f"{file}: {text_id} has unknown keys {sorted(unknown)}")
    buttons = raw.get("buttons") or []
    if not isinstance(buttons, list) or not all(isinstance(b, str) for b in buttons):
        raise ContentError(f"{file}: {text_id}: 'buttons' is a list of text ids")
    entry = Text(text_id, raw["text"], raw["source"].strip(), file, tuple(buttons))
    placeholders(entry.text)  # raises on a malformed field
    return entry


@lru_cache(maxsize=None)
def catalogue(language: str = DEFAULT_LANGUAGE, root: Path = CONTENT_DIR) -> Mapping[str, Text]:
    """Every text of a language, by id."""
    folder = root / language
    if not folder.is_dir():
        raise ContentError(f"no content for language {language!r} (expected a folder {folder})")
    texts: Dict[str, Text] = {}
    for path in sorted(folder.glob("*.yml")):
        if path.name in TABLE_FILES:
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("texts"), dict):
            raise ContentError(f"{path}: expected a 'texts:' mapping of ids to entries")
        for text_id, entry in raw["texts"].items():
            if text_id in texts:
                raise ContentError(f"{path.name}: id {text_id} is also in {texts[text_id].file}")
            texts[text_id] = _entry(str(text_id), entry, path.name)
    for entry in texts.values():
        missing = [b for b in entry.buttons if b not in texts]
        if missing:
            raise ContentError(f"{entry.file}: {entry.id} has buttons with no text: {missing}")
    return texts


def entry(text_id: str, language: str = DEFAULT_LANGUAGE) -> Text:
    try:
        return catalogue(language)[text_id]
    except KeyError:
        raise ContentError(f"no text with id {text_id!r} in content/{language}") from None


def text(text_id: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The text with this id; with values, its placeholders filled in (every one must be given)."""
    template = entry(text_id, language).text
    if not values:
        return template
    missing = placeholders(template) - set(values)
    if missing:
        raise ContentError(f"{text_id} needs values for {sorted(missing)}")
    return template.format(**values)


def button_titles(text_id: str, language: str = DEFAULT_LANGUAGE) -> List[str]:
    """The titles of the quick replies shown under a text."""
    return [text(b, language) for b in entry(text_id, language).buttons]


def table(name: str, language: str = DEFAULT_LANGUAGE, root: Path = CONTENT_DIR) -> Any:
    """A table file of a language (``questions.yml``, ``guidance.yml``), parsed."""
    if name not in TABLE_FILES:
        raise ContentError(f"{name} is not a table file: {TABLE_FILES}")
    return yaml.safe_load((root / language / name).read_text(encoding="utf-8"))


def table_path(name: str, language: str = DEFAULT_LANGUAGE, root: Path = CONTENT_DIR) -> Path:
    return root / language / name


# --- domain.yml's responses ---------------------------------------------------------------------


def responses(language: str = DEFAULT_LANGUAGE) -> Dict[str, List[Dict[str, Any]]]:
    """Rasa's responses, in the order of the content files: a button's payload is its own title."""
    out: Dict[str, List[Dict[str, Any]]] = {}
    for entry_ in catalogue(language).values():
        if not entry_.id.startswith(RESPONSE_PREFIX):
            continue
        variant: Dict[str, Any] = {"text": entry_.text}
        if entry_.buttons:
            variant["buttons"] = [{"title": t, "payload": t} for t in button_titles(entry_.id, language)]
        out[entry_.id] = [variant]
    return out


def domain_text(current: str) -> str:
    """domain.yml with its responses rewritten from the content; everything above the marker is kept."""
    head = current.split(DOMAIN_MARKER, 1)[0].rstrip("\n")
    body = yaml.safe_dump({"responses": responses()}, sort_keys=False, allow_unicode=True, width=100)
    return f"{head}\n\n{DOMAIN_MARKER}\n{body}"


def main(argv: List[str]) -> int:
    if argv[:1] != ["domain"]:
        print("usage: python -m coach.content domain [--check]", file=sys.stderr)
        return 2
    current = DOMAIN_FILE.read_text(encoding="utf-8")
    wanted = domain_text(current)
    if "--check" in argv:
        if current != wanted:
            print("domain.yml's responses differ from content/en: run `python -m coach.content domain`",
                  file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        DOMAIN_FILE.write_text(wanted, encoding="utf-8")
        print("==> domain.yml's responses rewritten from content/en")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
