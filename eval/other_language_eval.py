"""Red flags written in another language: does each reply still carry the numbers a parent needs?

    .venv/bin/python -m eval.other_language_eval [--file eval/corpus_heldout7/spanish_redflags_7.yml]

Until the assistant speaks Spanish, a message it cannot read gets the "English only for now" reply,
which must carry the clinic's phone and the emergency and crisis numbers (issue 25, item 4). Each
message goes to a fresh conversation on the real server; a red flag counts as reached when the reply
names the clinic's phone and the emergency number (not in the "having trouble" answer). Only counts
are printed, so a held-out set stays unread.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import yaml

from harness import ROOT
from harness.conversation import Conversation
from harness.long_conversation import reaches_a_person
from harness.server import running_server

DEFAULT = ROOT / "eval" / "corpus_heldout7" / "spanish_redflags_7.yml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT))
    args = parser.parse_args()
    items = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))["messages"]
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), {}) as srv:
        reached = {kind: [0, 0] for kind in ("red_flag", "near_miss")}
        for item in items:
            chat = Conversation(srv)
            chat.say(item["text"])
            reached[item["kind"]][0] += reaches_a_person(chat.text)
            reached[item["kind"]][1] += 1
    print(f"red flags whose reply carries the clinic's and the emergency numbers: {reached['red_flag'][0]}/"
          f"{reached['red_flag'][1]}; near misses given them too: {reached['near_miss'][0]}/{reached['near_miss'][1]}")


if __name__ == "__main__":
    main()
