"""The assistant's metrics count what it did (serving/metrics.py), and its health check says what fails
(channels/ops.py). Counted in this process's registry: no PROMETHEUS_MULTIPROC_DIR in the tests."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from sanic.compat import Header

from channels import checkins, ops
from coach.vocabulary import HANDOFF_ACTION, RED_FLAG_SLOT, REPHRASE_RESPONSE, SAFETY_CHECK_KIND_SLOT, SAFETY_CHECK_PENDING_SLOT
from serving import metrics


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_turn_is_counted_from_what_the_assistant_did():
    before = (value("pumping_red_flags_total", flag="mastitis"), value("pumping_safety_checks_total", kind="baby"),
              value("pumping_fallbacks_total"), value("pumping_handoff_requests_total"))
    metrics.count_turn([ActionExecuted("action_handle_red_flag"), SlotSet(RED_FLAG_SLOT, "mastitis"),
                        SlotSet(SAFETY_CHECK_PENDING_SLOT, None), BotUttered("please call")])
    metrics.count_turn([SlotSet(SAFETY_CHECK_PENDING_SLOT, True), SlotSet(SAFETY_CHECK_KIND_SLOT, "baby")])
    metrics.count_turn([ActionExecuted("utter_please_rephrase"),
                        BotUttered("Could you say that another way?", metadata={"utter_action": REPHRASE_RESPONSE})])
    metrics.count_turn([ActionExecuted(HANDOFF_ACTION), SlotSet("handoff_requested", True)])
    metrics.count_turn([UserUttered("hi"), SlotSet(RED_FLAG_SLOT, None), ActionExecuted("utter_greet")])  # nothing
    after = (value("pumping_red_flags_total", flag="mastitis"), value("pumping_safety_checks_total", kind="baby"),
             value("pumping_fallbacks_total"), value("pumping_handoff_requests_total"))
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1, 1]


def test_labels_come_from_closed_lists():
    metrics.count_message("../../etc/passwd", 0.2)
    metrics.count_turn([SlotSet(RED_FLAG_SLOT, "made-up-flag")])
    assert value("pumping_messages_total", channel="other") >= 1
    assert value("pumping_red_flags_total", flag="other") >= 1
    assert REGISTRY.get_sample_value("pumping_messages_total", {"channel": "../../etc/passwd"}) is None


def test_message_latency_and_errors_by_channel():
    count = value("pumping_message_seconds_count", channel="telegram")
    slow = value("pumping_message_seconds_bucket", channel="telegram", le="1.0")
    errors = value("pumping_message_errors_total", channel="telegram")
    metrics.count_message("telegram", 2.5, failed=True)
    assert value("pumping_message_seconds_count", channel="telegram") == count + 1
    assert value("pumping_message_seconds_bucket", channel="telegram", le="1.0") == slow  # 2.5 s is above 1 s
    assert value("pumping_message_errors_total", channel="telegram") == errors + 1


def test_a_checkin_sent_long_after_it_was_due_counts_as_late():
    late, sent = value("pumping_checkins_late_total"), value("pumping_checkins_total", status="sent")
    metrics.count_checkin("sent", 30)
    assert value("pumping_checkins_late_total") == late
    metrics.count_checkin("sent", metrics.LATE_AFTER_S + 1)
    assert value("pumping_checkins_late_total") == late + 1
    assert value("pumping_checkins_total", status="sent") == sent + 2


@pytest.fixture
def loop_state():
    saved = (checkins.LoopState.last_round, checkins.LoopState.off)
    yield checkins.LoopState
    checkins.LoopState.last_round, checkins.LoopState.off = saved


def test_the_checkin_loop_check_tells_a_stuck_loop(loop_state):
    now = time.time()
    loop_state.off, loop_state.last_round = None, None
    assert ops.check_checkin_loop(started_at=now - 5, now=now)[0]  # just started
    ok, detail = ops.check_checkin_loop(started_at=now - ops.LOOP_GRACE_S - 1, now=now)
    assert not ok and "no round" in detail
    loop_state.last_round = now - 10
    assert ops.check_checkin_loop(now - 3600, now)[0]
    loop_state.last_round = now - ops.LOOP_STALE_AFTER_S - 1
    ok, detail = ops.check_checkin_loop(now - 3600, now)
    assert not ok and "last round" in detail
    loop_state.off = "needs an SQL tracker store"
    assert ops.check_checkin_loop(now - 3600, now) == (True, "off: needs an SQL tracker store")


def test_the_database_check_queries_the_database(tmp_path):
    good = SimpleNamespace(engine=sa.create_engine(f"sqlite:///{tmp_path / 'rasa.db'}"))
    # A directory that does not exist: SQLite cannot open the file, as a PostgreSQL that is down cannot connect.
    bad = SimpleNamespace(engine=sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'rasa.db'}"))
    agent = SimpleNamespace(tracker_store=good, is_ready=lambda: True)
    assert ops.check_database(agent) == (True, "reachable")
    agent.tracker_store = bad
    ok, detail = ops.check_database(agent)
    assert not ok and detail.startswith("unreachable")
    healthy, body = ops.health(agent, started_at=time.time())
    assert not healthy and body["database"]["ok"] is False and body["model"]["ok"] is True


def test_metrics_are_for_loopback_or_the_token():
    def request(ip: str, **headers: str):
        return SimpleNamespace(ip=ip, headers=Header({k.replace("_", "-"): v for k, v in headers.items()}))
    assert ops.may_read_metrics(request("127.0.0.1"), None)
    assert not ops.may_read_metrics(request("203.0.113.9"), None)
    assert not ops.may_read_metrics(request("127.0.0.1", x_forwarded_for="203.0.113.9"), None)
    assert ops.may_read_metrics(request("203.0.113.9", authorization="Bearer s3cret-token"), "s3cret-token")
    assert not ops.may_read_metrics(request("203.0.113.9", authorization="Bearer wrong"), "s3cret-token")
