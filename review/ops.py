"""What a monitor reads from the review app: health checks that check, and Prometheus metrics.

`/healthz` answers 200 when the app's own database answers a query, else 503 (the process manager and
`make run` wait on it). `/health` also checks the conversations' database and that the alert worker
(a separate process, `scripts/review alerts`) finished a round recently, each part by name.

The metrics are read from the databases at each scrape, so they hold whatever process did the work:
the alert outbox (deliveries by state, and how long the oldest pending one has waited: the figure a
"stuck outbox" alert rule watches), alerts raised, conversations held by staff, check-ins by state,
and the seconds since the alert worker's last round. They are served like the assistant's
(channels/ops.py): to loopback callers, or with ``METRICS_TOKEN`` as a bearer token.
"""
from __future__ import annotations

import time
from typing import Dict, Iterator, Optional, Tuple

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.engine import Connection, Engine

from review import schema
from serving.health import ping

ALERT_WORKER = "alerts"
# The worker runs a round every ALERT_POLL_SECONDS (5 s); a round indexes new events first, which can
# take a minute on a large backlog. Three rounds and that minute, before it counts as stopped.
STALE_ROUNDS = 3
STALE_GRACE_S = 60.0
DELIVERY_STATES = ("pending", "sent", "failed")
CHECKIN_STATES = ("pending", "sending", "sent", "template", "answered", "no_reply", "dropped", "skipped",
                  "cancelled", "failed")


def beat(conn: Connection, name: str, now: Optional[float] = None, detail: str = "") -> None:
    """Record that worker ``name`` finished a round (one row per worker, replaced)."""
    now = time.time() if now is None else now
    table = schema.worker_beat
    if conn.execute(table.update().where(table.c.name == name).values(beat_at=now, detail=detail[:255])).rowcount == 0:
        conn.execute(table.insert().values(name=name, beat_at=now, detail=detail[:255]))


def last_beat(conn: Connection, name: str) -> Optional[float]:
    table = schema.worker_beat
    return conn.execute(sa.select(table.c.beat_at).where(table.c.name == name)).scalar()


def check_alert_worker(own: Engine, poll_seconds: float, now: Optional[float] = None) -> Tuple[bool, str]:
    now = time.time() if now is None else now
    try:
        with own.connect() as conn:
            at = last_beat(conn, ALERT_WORKER)
    except sa.exc.SQLAlchemyError as err:
        return False, f"cannot tell ({type(err).__name__})"
    if at is None:
        return False, "has never finished a round (is `scripts/review alerts` running?)"
    age, limit = now - at, STALE_ROUNDS * poll_seconds + STALE_GRACE_S
    if age > limit:
        return False, f"last round {age:.0f} s ago (expected every {poll_seconds:.0f} s)"
    return True, f"last round {age:.0f} s ago"


def health(own: Engine, tracker: Engine, poll_seconds: float, now: Optional[float] = None) -> Tuple[bool, Dict]:
    parts = {"database": ping(own), "conversations_database": ping(tracker),
             "alert_worker": check_alert_worker(own, poll_seconds, now)}
    body = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in parts.items()}
    return all(ok for ok, _ in parts.values()), body


class DatabaseCollector:
    """Prometheus figures read from the review app's tables and the check-in table at each scrape."""

    def __init__(self, own: Engine, tracker: Engine, now: Optional[float] = None) -> None:
        self.own, self.tracker, self.now = own, tracker, now

    def collect(self) -> Iterator[Metric]:
        now = time.time() if self.now is None else self.now
        delivery, alert, hold = schema.alert_delivery, schema.alert, schema.hold
        with self.own.connect() as conn:
            by_state = dict(conn.execute(sa.select(delivery.c.status, sa.func.count())
                                         .group_by(delivery.c.status)).all())
            oldest = conn.execute(sa.select(sa.func.min(delivery.c.next_attempt_at))
                                  .where(delivery.c.status == "pending")).scalar()
            by_reason = dict(conn.execute(sa.select(alert.c.reason, sa.func.count()).group_by(alert.c.reason)).all())
            held = conn.execute(sa.select(sa.func.count()).select_from(hold).where(hold.c.released_at.is_(None))).scalar()
            at = last_beat(conn, ALERT_WORKER)
        family = GaugeMetricFamily("pumping_alert_deliveries", "Alert deliveries to the on-call, by state",
                                   labels=["status"])
        for state in DELIVERY_STATES:
            family.add_metric([state], by_state.get(state, 0))
        yield family
        yield GaugeMetricFamily("pumping_alert_outbox_oldest_pending_seconds",
                                "How long the oldest pending alert delivery has been due (0 when none is)",
                                value=max(0.0, now - oldest) if oldest is not None else 0.0)
        family = GaugeMetricFamily("pumping_alerts", "Alerts raised for the on-call, by reason", labels=["reason"])
        for reason, count in sorted(by_reason.items()):
            family.add_metric([reason], count)
        yield family
        yield GaugeMetricFamily("pumping_handoffs_open", "Conversations a person from the clinic holds now",
                                value=held or 0)
        yield GaugeMetricFamily("pumping_alert_worker_last_round_age_seconds",
                                "Seconds since the alert worker last finished a round (-1: never)",
                                value=now - at if at is not None else -1.0)
        family = GaugeMetricFamily("pumping_checkins", "Check-ins in the assistant's schedule, by state",
                                   labels=["status"])
        for state, count in self._checkins().items():
            family.add_metric([state], count)
        yield family

    def _checkins(self) -> Dict[str, int]:
        # The check-in table is the assistant's (channels/checkins.py) and appears with its first start.
        if not sa.inspect(self.tracker).has_table("checkin"):
            return {}
        table = sa.table("checkin", sa.column("status"))
        with self.tracker.connect() as conn:
            found = dict(conn.execute(sa.select(table.c.status, sa.func.count()).group_by(table.c.status)).all())
        return {state: found.get(state, 0) for state in CHECKIN_STATES}


def exposition(own: Engine, tracker: Engine) -> Tuple[bytes, str]:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(own, tracker))
    return generate_latest(registry), CONTENT_TYPE_LATEST


