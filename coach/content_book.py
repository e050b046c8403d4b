"""The content book: what the assistant says and decides, in one printable page a clinician can read.

`make content-book` writes `results/content-book.html`. It is built from the files that decide what a
parent reads (every text in `content/en/`, with its id and source; the questions and guidance tables
there; the storage table in `coach/knowledge/`; the question model in `coach/diagnosis.py`; the safety
answers and thresholds; the clinical map `safety/MAP.md`), never from a copy, and it carries a version:
a hash of those files, so a sign-off names exactly what was read.
"""
from __future__ import annotations

import hashlib
import html
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Every file whose change changes what a parent reads or what the assistant decides.
# The code files decide which text is said when; the content folder (every language) holds the words.
CODE_FILES: Tuple[str, ...] = (
    "domain.yml", "clinic.yml", "coach/replies.py", "coach/prompts.py", "coach/checkins.py", "coach/safety.py",
    "coach/diagnosis.py", "coach/knowledge/questions.yml", "coach/storage.py",
    "coach/safety_model.py", "coach/encoder.py", "coach/suspicion.py", "safety/MAP.md", "channels/common.py",
    "safety/rules.en.yml", "coach/red_flag_rules.py",
)
OUT = ROOT / "results" / "content-book.html"


def content_files(root: Path = ROOT) -> Tuple[str, ...]:
    """The code files and every file of the content folder, in a fixed order."""
    texts = sorted(str(p.relative_to(root)) for p in (root / "content").rglob("*") if p.is_file())
    return CODE_FILES + tuple(texts)


def content_version(root: Path = ROOT, files: Optional[Sequence[str]] = None) -> str:
    """A short hash of the content files, in a fixed order: equal versions mean equal content."""
    digest = hashlib.sha256()
    for name in files if files is not None else content_files(root):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _e(text: Any) -> str:
    return html.escape(str(text))


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _questions() -> str:
    from coach import content
    from coach.diagnosis import CAUSES, QUESTIONS
    from coach.prompts import PROMPTS

    sources = {slot: spec["source"] for slot, spec in content.table("questions.yml")["questions"].items()}
    parts = []
    for question in QUESTIONS:
        reason = question.why
        prompt = PROMPTS[question.slot]
        buttons = "; ".join(f"{title} → {value}" for title, value in prompt.options)
        rows = [(cause, *(f"{question.likelihoods[cause][a]:.2f}" for a in question.answers)) for cause in CAUSES]
        parts.append(f"<h3>{_e(question.slot)}</h3><p class=q>{_e(prompt.text)}</p><p>Buttons: {_e(buttons)}</p>"
                     f"<p>Source: {_e(sources[question.slot])}</p>"
                     f"<p>Why these figures: {_e(reason or 'see coach/knowledge/questions.yml')}</p>"
                     + _table(("P(answer | cause)", *question.answers), rows))
    asked = {q.slot for q in QUESTIONS}
    others = [(slot, p.text, "; ".join(f"{t} → {v}" for t, v in p.options), sources[slot])
              for slot, p in PROMPTS.items() if slot not in asked]
    parts.append("<h3>The stored-milk questions</h3>" + _table(("slot", "question", "buttons", "source"), others))
    return "".join(parts)


def _guidance() -> str:
    data = yaml.safe_load((ROOT / "content" / "en" / "guidance.yml").read_text(encoding="utf-8"))
    sections = data.get("sections") or {}
    rows = [(key, sections.get(entry.get("section"), entry.get("section")), " ".join(str(entry.get("text")).split()))
            for key, entry in (data.get("entries") or {}).items()]
    return _table(("entry", "source", "text"), rows)


def _storage() -> str:
    table = yaml.safe_load((ROOT / "content" / "en" / "storage_limits.yml").read_text(encoding="utf-8"))
    rows = [(r["state"], r["place"], r["fine_until"], r["use_by"], r["told"], r.get("article") or "", r["source"])
            for r in table["limits"]]
    sources = "".join(f"<li><b>{_e(k)}</b>: {_e(' '.join(str(v).split()))}</li>" for k, v in table["sources"].items())
    refreeze = " ".join(str(table["refreeze"]["told"]).split())
    return (_table(("milk", "where", "'fine' up to", "throw away after", "told", "article's Rule of 6", "source"), rows)
            + f"<p>Thawed milk put back in a freezer: {_e(refreeze)}</p><ul>{sources}</ul>")


def _safety() -> str:
    from coach.clinic import clinic
    from coach.safety import RedFlag, advice_for

    rows = [(flag.value, advice_for([flag], clinic()).text) for flag in RedFlag]
    return _table(("sign", "the human-contact answer (with this clinic.yml)"), rows)


def _red_flag_rules() -> str:
    """The steps in their order, then every rule and mask with its examples (safety/rules.en.yml)."""
    from coach.red_flag_rules import rule_book

    book = rule_book()
    steps = _table(("step", "what it does", "patterns it uses", "skipped for a question in general"),
                   [(s.name, s.does, ", ".join(s.uses), "yes" if s.physical else "no") for s in book.steps])
    rows = [(e.name, e.table, e.flag or "", e.why, " | ".join(e.catches), " | ".join(e.leaves))
            for e in book.entries.values() if e.table in ("rules", "masks")]
    return (steps + _table(("entry", "kind", "flag", "why", "must catch", "must leave"), rows)
            + "<p>The words of each entry (regular expressions) are in safety/rules.en.yml.</p>")


def _thresholds() -> str:
    from coach import encoder, safety, safety_model, suspicion

    rows = [
        ("red-flag model asks the check at", safety_model.SUSPECT_THRESHOLD, "coach/safety_model.py"),
        ("red-flag model overrules the classifier's red flag below", safety_model.VETO_BELOW, "coach/safety_model.py"),
        ("a rule's alarm is confirmed with one question when the model scores below", safety.DOUBT_BELOW,
         "coach/safety.py"),
        ("sentence encoder asks the check at", encoder.CHECK_AT, "coach/encoder.py"),
        ("sentence encoder runs only where the model scores at least", encoder.RUN_ABOVE, "coach/encoder.py"),
        ("inside a stored-milk question the model needs", suspicion.IN_STORED_MILK_QUESTION, "coach/suspicion.py"),
    ]
    return _table(("threshold", "value", "set in (with its reason)"), rows)


def _texts() -> str:
    """Every text of content/en, file by file: id, words, quick replies, source."""
    from coach import content

    parts = []
    by_file: dict = {}
    for entry in content.catalogue().values():
        by_file.setdefault(entry.file, []).append(entry)
    for file, entries in by_file.items():
        rows = [(e.id, e.text, ", ".join(content.button_titles(e.id)), e.source) for e in entries]
        parts.append(f"<h3>content/en/{_e(file)}</h3>" + _table(("id", "text", "quick replies", "source"), rows))
    return "".join(parts)


def _figures() -> str:
    text = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    match = re.search(r"## Now, on one screen.*?(?=\n## )", text, re.S)
    return f"<pre>{_e(match.group(0) if match else 'docs/results.md has no current figures')}</pre>"


def build(out: Path = OUT) -> str:
    """Write the book; returns its content version."""
    version = content_version()
    map_text = (ROOT / "safety" / "MAP.md").read_text(encoding="utf-8")
    body = "".join((
        f"<h1>Pumping coach: content book, version {version}</h1>",
        "<p>Everything below is read from the files that run the assistant. A clinician's sign-off names this "
        "version; any change to those files gives a new one.</p>",
        "<h2>1. Messages a parent can get</h2><p>Placeholders in braces are filled from clinic.yml or the "
        "conversation where the text is said.</p>", _texts(),
        "<h2>2. Guidance, with its source</h2>", _guidance(),
        "<h2>3. Troubleshooting questions and what each answer does to the diagnosis</h2>", _questions(),
        "<h2>4. Red flags: the clinical map, the answers, the rules and the thresholds</h2>", _safety(),
        "<h3>The phrase rules: steps in order, then each rule and mask with its examples</h3>", _red_flag_rules(),
        _thresholds(),
        f"<details open><summary>safety/MAP.md</summary><pre>{_e(map_text)}</pre></details>",
        "<h2>5. Stored milk: the limits table</h2>", _storage(),
        "<h2>6. Evaluation figures of this version</h2>", _figures(),
    ))
    page = ("<!doctype html><html lang=en><meta charset=utf-8><title>Content book " + version + "</title>"
            "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
            "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}td,th{border:1px solid #bbb;padding:.25rem"
            " .4rem;vertical-align:top;text-align:left}pre{white-space:pre-wrap}.q{font-weight:600}"
            "@media print{details{display:block}h2{page-break-before:always}}</style><body>" + body + "</body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return version


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    print(f"==> Content book version {build(path)}: {path}")
