"""The review app's health checks and metrics, over the conversations recorded with the real assistant,
on SQLite and PostgreSQL: the alert worker's rounds and an outbox that cannot deliver show in both."""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from harness.server import free_port
from review import ops
from review.alert_worker import run_once
from review.db import own_engine, tracker_engine
from review.settings import AlertSettings
from review.web import create_app


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_health_checks_the_databases_and_the_alert_worker(app, databases):
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").json["version"] == (Path(__file__).resolve().parents[2] / "VERSION").read_text().strip()
    before = client.get("/health")
    assert before.status_code == 503  # the alert worker has never run
    assert before.json["checks"]["alert_worker"]["ok"] is False
    assert before.json["checks"]["database"]["ok"] and before.json["checks"]["conversations_database"]["ok"]
    settings = databases.settings
    run_once(settings, own_engine(settings.database_url), tracker_engine(settings.tracker_url))
    after = client.get("/health")
    assert after.status_code == 200 and after.json["status"] == "ok"
    # A worker that stopped a while ago is reported, with how long ago.
    own = own_engine(settings.database_url)
    later = time.time() + ops.STALE_ROUNDS * settings.alerts.poll_seconds + ops.STALE_GRACE_S + 5
    ok, checks = ops.health(own, tracker_engine(settings.tracker_url), settings.alerts.poll_seconds, now=later)
    assert not ok and "last round" in checks["alert_worker"]["detail"]


def test_health_fails_when_the_database_is_gone(databases, tmp_path):
    settings = dataclasses.replace(databases.settings, database_url=f"sqlite:///{tmp_path / 'review.db'}")
    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    # The database file replaced by a folder: SQLite cannot open it, as a PostgreSQL that is down cannot
    # be reached.
    (tmp_path / "review.db").rename(tmp_path / "review.db.moved")
    (tmp_path / "review.db").mkdir()
    reply = client.get("/healthz")
    assert reply.status_code == 503 and reply.json["database"].startswith("unreachable")


def test_metrics_show_a_stuck_outbox_and_the_alerts(databases):
    # Alerts to a webhook nobody listens on: every delivery fails and waits for its retry.
    dead = f"http://127.0.0.1:{free_port()}/hook"
    settings = dataclasses.replace(databases.settings, alerts=AlertSettings(
        webhook_url=dead, webhook_secret="webhook-secret-for-tests-0123456789", public_url="https://review.example"))
    own, tracker = own_engine(settings.database_url), tracker_engine(settings.tracker_url)
    client = create_app(settings).test_client()
    empty = samples(client.get("/metrics").get_data(as_text=True))
    assert empty[("pumping_alert_deliveries", (("status", "pending"),))] == 0
    start = time.time() + 2  # the deliveries just opened are due
    round_ = run_once(settings, own, tracker, now=start)
    assert round_.failed >= 1
    after = samples(client.get("/metrics").get_data(as_text=True))
    assert after[("pumping_alert_deliveries", (("status", "pending"),))] == round_.failed
    assert after[("pumping_alerts", (("reason", "red_flag"),))] >= 1
    assert after[("pumping_alert_outbox_oldest_pending_seconds", ())] >= 0
    assert 0 <= after[("pumping_alert_worker_last_round_age_seconds", ())] < 60
    assert after[("pumping_handoffs_open", ())] == 0
    # The figure the example alert rule watches grows while nothing is delivered.
    later = {s.name: s.value for family in ops.DatabaseCollector(own, tracker, now=start + 3600).collect()
             for s in family.samples}
    assert later["pumping_alert_outbox_oldest_pending_seconds"] > 3000


def test_metrics_are_for_loopback_or_the_token(databases):
    settings = dataclasses.replace(databases.settings, metrics_token="a-long-metrics-token-for-tests")
    client = create_app(settings).test_client()
    assert client.get("/metrics").status_code == 200  # the test client calls from 127.0.0.1
    away = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", environ_base=away).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403
    assert client.get("/metrics", environ_base=away,
                      headers={"Authorization": "Bearer a-long-metrics-token-for-tests"}).status_code == 200
    assert client.get("/metrics", environ_base=away, headers={"Authorization": "Bearer wrong"}).status_code == 403


def test_the_example_alert_rules_name_metrics_that_exist(databases):
    """deploy/prometheus-alerts.yml must not watch a metric that nothing serves (a renamed metric would
    silence its alert)."""
    import re

    import yaml

    from harness import ROOT
    from serving import metrics as assistant_metrics

    settings = databases.settings
    review_text = ops.exposition(own_engine(settings.database_url), tracker_engine(settings.tracker_url))[0].decode()
    assistant_text = assistant_metrics.exposition()[0].decode()
    # Names by the family's type: a labelled counter with no label value yet has no sample line.
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    served = {family.name + suffix for text in (review_text, assistant_text)
              for family in text_string_to_metric_families(text) for suffix in suffixes.get(family.type, ("",))}
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus-alerts.yml").read_text())["groups"][0]["rules"]
    named = {name for rule in rules for name in re.findall(r"\bpumping_[a-z_]+", rule["expr"])}
    assert named and named <= served, named - served
