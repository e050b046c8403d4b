"""The assistant's /healthz and /metrics on the real server (every worker of the supervisor): a monitor
sees the model, the database and the check-in loop, and a conversation moves the counts."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Tuple

from prometheus_client.parser import text_string_to_metric_families

from harness.conversation import Conversation
from harness.server import Server


def scrape(server: Server) -> Dict[Tuple[str, tuple], float]:
    with urllib.request.urlopen(f"{server.base_url}/metrics", timeout=30) as resp:
        text = resp.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_health_names_what_it_checked(server: Server):
    with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=30) as resp:
        body = json.loads(resp.read())
    assert resp.status == 200 and body["status"] == "ok"
    assert body["version"] == (Path(__file__).resolve().parents[2] / "VERSION").read_text().strip()
    assert body["checks"]["model"] == {"ok": True, "detail": "loaded"}
    assert body["checks"]["database"] == {"ok": True, "detail": "reachable"}
    assert body["checks"]["checkin_loop"]["ok"] is True


def test_a_conversation_moves_the_counts(server: Server):
    before = scrape(server)
    chat = Conversation(server)
    chat.say("how long can pumped milk stay in the fridge?")
    chat.say("asdkj qwpoe zzxv")  # nothing the assistant can read
    chat.say("my left breast is red, hot and hard and I have a fever of 39")
    after = scrape(server)
    assert moved(before, after, "pumping_messages_total", channel="webchat") == 3
    assert moved(before, after, "pumping_message_seconds_count", channel="webchat") == 3
    assert moved(before, after, "pumping_red_flags_total", flag="mastitis") == 1
    assert moved(before, after, "pumping_fallbacks_total") >= 1
    assert moved(before, after, "pumping_message_errors_total", channel="webchat") == 0


def test_metrics_are_not_served_through_a_proxy(server: Server):
    request = urllib.request.Request(f"{server.base_url}/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a proxied request read the metrics")
    except urllib.error.HTTPError as err:
        assert err.code == 403
