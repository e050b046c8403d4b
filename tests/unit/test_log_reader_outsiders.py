"""The log reader on 250 messages written by two outside sessions that never saw it
(eval/log_heldout: 140, read and tuned on once; eval/log_heldout2: 110, never read).

These are floors, not the figures (those come from `python -m eval.log_eval --set ...`). Nothing that
is not a log may be recorded, and no question routed to the log, whatever else drops; the other floors
sit a little under what the reader reached when the check-ins landed (logs read exactly 70/70 and 51/60,
routed to the log 67/70 and 52/60), so a change that reads real parents worse fails here.
"""
from pathlib import Path

import pytest

from eval.log_eval import evaluate

ROOT = Path(__file__).resolve().parents[2]
SETS = {"log_heldout": 0.97, "log_heldout2": 0.83}  # share of logs read exactly, at least


def ratio(text: str) -> float:
    right, total = map(int, text.split("/"))
    return right / total


@pytest.mark.parametrize("name", sorted(SETS))
def test_outsiders_logs_are_read_and_their_questions_never_logged(name):
    report = evaluate(ROOT / "eval" / name / "log_messages.yml")
    assert report["messages"] >= 110
    assert report["non_logs_recorded_by_mistake"].startswith("0/")
    assert ratio(report["routed_by_kind"]["question"]) == 1.0
    assert ratio(report["logs_read_exactly"]) >= SETS[name]
    assert ratio(report["routed_by_kind"]["log"]) >= 0.85
