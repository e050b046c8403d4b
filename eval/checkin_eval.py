"""How the check-in's answers are understood, on replies written by an outside session
(eval/checkin_heldout/replies.yml: better, same, worse, or unclear when a reply does not say).

Two measures:
* the plain reader alone (coach.checkins.read_outcome), no server needed;
* the whole assistant: each reply in its own conversation on the real Rasa server, after a real
  check-in question was sent by the scheduler (booked with "Tomorrow morning", made due in the
  check-in table), and the `outcome` slot read from the tracker store.

The serious error is a reply recorded as the wrong outcome, or an unclear one recorded at all: the
clinic's Outcomes page would count it. An answer left unrecorded only means the parent is asked again
or the check-in ends as no_reply.

    .venv/bin/python -m eval.checkin_eval [--reader-only] [--set eval/checkin_heldout/replies.yml]
"""
from __future__ import annotations

import argparse
import collections
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from coach.checkins import read_outcome

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "eval" / "checkin_heldout" / "replies.yml"
LABELS = ("better", "same", "worse", "unclear")


def summary(pairs: List["tuple[str, Optional[str]]"]) -> Dict[str, object]:
    """pairs of (label, what was recorded or None)."""
    confusion: Dict[str, Dict[str, int]] = {label: collections.Counter() for label in LABELS}
    for label, got in pairs:
        confusion[label][got or "not recorded"] += 1
    clear = [(label, got) for label, got in pairs if label != "unclear"]
    unclear = [got for label, got in pairs if label == "unclear"]
    return {
        "replies": len(pairs),
        "clear answers recorded right": f"{sum(got == label for label, got in clear)}/{len(clear)}",
        "clear answers recorded wrong": f"{sum(got is not None and got != label for label, got in clear)}/{len(clear)}",
        "clear answers not recorded": f"{sum(got is None for _, got in clear)}/{len(clear)}",
        "unclear replies recorded as an outcome": f"{sum(got is not None for got in unclear)}/{len(unclear)}",
        "confusion (label -> recorded)": {k: dict(v) for k, v in confusion.items()},
    }


def reader_only(replies: List[Dict]) -> Dict[str, object]:
    return summary([(r["label"], read_outcome(r["text"])) for r in replies])


def through_the_server(replies: List[Dict]) -> Dict[str, object]:
    from harness.conversation import Conversation
    from harness.platforms import CHANNEL_ENV
    from harness.server import running_server

    local = {"local_time": "2026-11-28T14:30"}
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), {**CHANNEL_ENV, "CHECKIN_POLL_S": "0.5"}) as srv:
        chats = [Conversation(srv, sender=f"checkin-eval-{uuid.uuid4().hex[:16]}") for _ in replies]
        for chat in chats:
            chat.say("Tomorrow morning", metadata=local)
        senders = [c.sender for c in chats]
        with sqlite3.connect(srv.db_path, timeout=30) as db:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                pending = db.execute("SELECT count(*) FROM checkin WHERE status = 'pending'").fetchone()[0]
                if pending == len(chats):
                    break
                time.sleep(0.5)
            db.execute("UPDATE checkin SET due_at = ? WHERE status = 'pending'", (time.time() - 1,))
            db.commit()  # an open write transaction would keep the scheduler from claiming them
            deadline = time.monotonic() + 300
            sent = 0
            while time.monotonic() < deadline:
                sent = db.execute("SELECT count(*) FROM checkin WHERE status = 'sent'").fetchone()[0]
                if sent == len(chats):
                    break
                time.sleep(0.5)
            # Every reply must meet its check-in question, or the figure measures timing, not reading.
            assert sent == len(chats), f"only {sent} of {len(chats)} check-ins were sent"
        pairs = []
        for chat, reply in zip(chats, replies, strict=True):
            chat.say(reply["text"], metadata=local)
            pairs.append((reply["label"], chat.slots().get("outcome")))
        assert len(senders) == len(pairs)
    return summary(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(DATA))
    parser.add_argument("--reader-only", action="store_true", help="only the plain reader; no server")
    args = parser.parse_args()
    replies = yaml.safe_load(Path(args.set).read_text())["replies"]
    report = {"reader alone": reader_only(replies)}
    if not args.reader_only:
        report["the assistant (real server, after a real check-in question)"] = through_the_server(replies)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
