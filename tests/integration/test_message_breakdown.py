"""`make bench`'s breakdown of one message, on the real model, action server and SQLite store."""
from eval.message_breakdown import MESSAGES, breakdown
from harness.server import model_path


def test_every_part_of_a_message_is_timed():
    rows = {row["part"]: row for row in breakdown(model_path(), conversations=1)}
    # Every message reads and writes the tracker; the troubleshooting and the topics go to the action server.
    for part in ("total (one message)", "tracker store: read", "tracker store: write", "action server round trip"):
        assert rows[part]["mean_ms"] > 0, part
    nodes = {part for part in rows if part.startswith("graph: ")}
    assert any("DIETClassifier" in part for part in nodes) and any("RulePolicy" in part for part in nodes)
    assert any("MessageGuard" in part for part in nodes)
    # No part takes longer than the whole message.
    total = rows["total (one message)"]["mean_ms"]
    assert all(row["mean_ms"] <= total for row in rows.values())
    assert len(MESSAGES) >= 10
