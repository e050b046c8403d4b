"""The one log format (serving/logs.py), each case in a fresh interpreter: configuring logging is for a
whole process, and this test process's own logging belongs to pytest."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

from harness import ROOT
from review.privacy import pseudonym
from serving import logs

SENDER = "whatsapp:+4915112345678"
KEYS = {"time", "level", "process", "logger", "message", "conversation", "exception"}
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) unit-test [\w.]+( C-[A-Z2-7]{10})?: ")

# Rasa's own lock store logs the conversation id at DEBUG, and its LockError names it; the error is
# logged by the caller once the conversation's block has ended, as the channels do.
PROGRAM = f"""
    import asyncio, logging, warnings
    from rasa.core.lock_store import InMemoryLockStore, LockError
    from serving import logs

    logs.configure("unit-test")
    log = logging.getLogger("tests.unit")
    log.info("before any conversation")

    async def handle():
        store = InMemoryLockStore()
        with logs.conversation({SENDER!r}):
            async with store.lock({SENDER!r}):
                log.info("inside the conversation of %s", {SENDER!r})
            raise LockError("Could not acquire lock for conversation_id '{SENDER}'.")

    try:
        asyncio.run(handle())
    except LockError:
        log.exception("handling a message failed")
    log.info("after the conversation")
    warnings.warn("a library's warning\\non two lines")
"""


def run(env: Dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(PROGRAM)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                            "REVIEW_SECRET_FILE": str(tmp_path / "key"), **env})


def json_lines(output: str) -> List[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_json_lines_name_the_conversation_by_the_review_apps_pseudonym_never_by_its_id(tmp_path):
    done = run({"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"}, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == ""
    records = json_lines(done.stderr)  # every line is one JSON object
    assert all(set(r) == KEYS for r in records)
    # The key the review app makes and reads (review/settings.py): the same pseudonym on its pages.
    name = pseudonym((tmp_path / "key").read_text().strip().encode(), SENDER)
    about = [r for r in records if r["conversation"]]
    assert {r["conversation"] for r in about} == {name}
    messages = [r["message"] for r in records]
    assert f"inside the conversation of {name}" in messages
    assert any(r["logger"] == "rasa.core.lock_store" and name in r["message"] for r in about)  # Rasa's line
    failed = next(r for r in records if r["message"] == "handling a message failed")
    assert failed["conversation"] == name and "LockError" in failed["exception"] and name in failed["exception"]
    assert next(r for r in records if r["message"] == "after the conversation")["conversation"] is None
    assert records[0]["message"].startswith("LOG_LEVEL=DEBUG")  # the warning that DEBUG shows messages
    assert any(r["logger"] == "py.warnings" and "a library's warning" in r["message"] for r in records)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", records[-1]["time"])
    assert SENDER not in done.stderr and "4915112345678" not in done.stderr


def test_text_lines_are_one_record_each(tmp_path):
    done = run({"LOG_LEVEL": "INFO"}, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    assert lines and all(TEXT_LINE.match(line) for line in lines), lines
    failed = next(line for line in lines if "handling a message failed" in line)
    assert " C-" in failed and "Traceback (most recent call last):\\n" in failed and "LockError" in failed
    assert not any(" unit-test rasa.core.lock_store" in line for line in lines)  # its DEBUG lines are off
    assert SENDER not in done.stderr


def test_the_pseudonym_is_the_review_apps():
    # review/privacy.py re-exports it: one function, so a log line and a page name a conversation alike.
    assert logs.pseudonym(b"k" * 32, "abc") == pseudonym(b"k" * 32, "abc")
    assert re.fullmatch(r"C-[A-Z2-7]{10}", logs.pseudonym(b"k" * 32, "abc"))
    assert logs.pseudonym(b"k" * 32, "abc") != logs.pseudonym(b"j" * 32, "abc")
