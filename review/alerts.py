"""Alerts to the clinic's on-call: which conversations raise one, and the outbox that delivers them.

An alert is made when a conversation newly needs a person for one of ``REASONS`` (the same reasons
the review queue shows). The indexer calls ``record_new`` inside the transaction that indexes the
events, so an alert is made exactly once whichever process indexes, and again for the same reason
only after staff have marked the conversation reviewed: one alert per reason per conversation.

Deliveries are rows too (``alert_delivery``), one per destination, so an alert survives a restart
and a mail server that is down for an hour. A worker claims a due delivery for a while before
sending, so two workers never send the same one; a failure is retried with a growing delay and
shown in the review app.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional, Set, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from review.schema import alert, alert_delivery, conversation
from review.settings import AlertSettings

REASONS: Dict[str, str] = {
    "red_flag": "Red flag: the assistant gave the urgent human-contact answer or a safety check",
    "handoff": "A parent asked to talk to a person",
    "misunderstood": "The assistant keeps misunderstanding a parent",
}
# A red flag cannot wait for the morning; the others respect the clinic's quiet hours.
URGENT = frozenset({"red_flag"})
PENDING, SENT, FAILED = "pending", "sent", "failed"
# Retries: 30 s, 1, 2, 4, 8 min, then every 10 min, so a mail server back after an hour gets the alert
# within 10 minutes, without hammering it meanwhile.
FIRST_RETRY_S = 30
MAX_RETRY_S = 600
# After two days an alert is stale: staff see it in the queue and the failure on the alerts page.
GIVE_UP_AFTER_S = 2 * 86400
# Older than this when first found (the worker was off overnight, or alerts were just switched on over
# an old store), an alert is not sent: it is listed on the alerts page and the queue holds it.
MAX_AGE_TO_SEND_S = 12 * 3600
# Long enough for one SMTP or HTTP exchange with its timeouts; a crashed worker's claim runs out.
CLAIM_S = 120


@dataclass(frozen=True)
class NewReasons:
    sender_id: str
    reasons: Set[str]
    channel: Optional[str]
    at: float


def added_reasons(before: Iterable[str], after: Iterable[str]) -> Set[str]:
    """The alert reasons a conversation did not have before this batch of events."""
    return {r for r in after if r in REASONS} - set(before)


def record_new(conn: Connection, found: List[NewReasons], now: Optional[float] = None) -> int:
    """Write an alert for each new reason (called by the indexer, in its transaction)."""
    if not found:
        return 0
    now = now or time.time()
    ids = dict(conn.execute(sa.select(conversation.c.sender_id, conversation.c.id)
                            .where(conversation.c.sender_id.in_([f.sender_id for f in found]))).all())
    rows = [{"conversation_id": ids[f.sender_id], "reason": reason, "channel": f.channel, "at": f.at, "created_at": now}
            for f in found for reason in sorted(f.reasons) if f.sender_id in ids]
    if rows:
        conn.execute(alert.insert(), rows)
    return len(rows)


def _in_quiet_hours(at: float, quiet: Tuple[int, int], zone: ZoneInfo) -> Optional[float]:
    """When the quiet hours around ``at`` end, or None if ``at`` is outside them."""
    local = datetime.fromtimestamp(at, zone)
    minute = local.hour * 60 + local.minute
    start, end = quiet
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    end_day = local.date() if minute < end else local.date() + timedelta(days=1)
    ends = datetime(end_day.year, end_day.month, end_day.day, end // 60, end % 60, tzinfo=zone)
    return ends.timestamp()


def first_attempt_at(reason: str, created: float, settings: AlertSettings, timezone: str) -> float:
    if reason in URGENT or settings.quiet_hours is None:
        return created
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return _in_quiet_hours(created, settings.quiet_hours, zone) or created


def open_deliveries(own: Engine, settings: AlertSettings, timezone: str, now: Optional[float] = None) -> int:
    """Give every recent alert a delivery row per configured destination (a destination set up later
    gets only alerts from then on; older ones stay listed on the alerts page)."""
    now = time.time() if now is None else now
    made = 0
    for destination in settings.destinations:
        have = sa.select(alert_delivery.c.id).where(alert_delivery.c.alert_id == alert.c.id,
                                                    alert_delivery.c.destination == destination)
        with own.connect() as conn:
            missing = conn.execute(sa.select(alert.c.id, alert.c.reason, alert.c.created_at)
                                   .where(~sa.exists(have), alert.c.at >= now - MAX_AGE_TO_SEND_S)).all()
        for row in missing:
            try:  # one transaction each: the unique (alert, destination) settles a race with another worker
                with own.begin() as conn:
                    conn.execute(alert_delivery.insert().values(
                        alert_id=row.id, destination=destination, status=PENDING, attempts=0,
                        next_attempt_at=first_attempt_at(row.reason, row.created_at, settings, timezone)))
                made += 1
            except sa.exc.IntegrityError:
                pass
    return made


@dataclass(frozen=True)
class Due:
    delivery_id: int
    destination: str
    attempts: int
    alert_id: int
    reason: str
    channel: Optional[str]
    at: float
    created_at: float
    pseudonym: str


def claim_due(conn: Connection, now: float, limit: int = 50) -> List[Due]:
    """Deliveries whose time has come, each claimed for this worker (two workers never share one)."""
    query = (sa.select(alert_delivery.c.id, alert_delivery.c.destination, alert_delivery.c.attempts, alert.c.id,
                       alert.c.reason, alert.c.channel, alert.c.at, alert.c.created_at, conversation.c.pseudonym)
             .join(alert, alert.c.id == alert_delivery.c.alert_id)
             .join(conversation, conversation.c.id == alert.c.conversation_id)
             .where(alert_delivery.c.status == PENDING, alert_delivery.c.next_attempt_at <= now,
                    sa.or_(alert_delivery.c.claimed_until.is_(None), alert_delivery.c.claimed_until < now))
             .order_by(alert_delivery.c.next_attempt_at).limit(limit))
    claimed = []
    for row in conn.execute(query).all():
        won = conn.execute(alert_delivery.update()
                           .where(alert_delivery.c.id == row[0], alert_delivery.c.status == PENDING,
                                  sa.or_(alert_delivery.c.claimed_until.is_(None),
                                         alert_delivery.c.claimed_until < now))
                           .values(claimed_until=now + CLAIM_S)).rowcount
        if won:
            claimed.append(Due(*row))
    return claimed


def retry_delay(attempts: int) -> float:
    return float(min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), MAX_RETRY_S))


def mark_sent(conn: Connection, delivery_id: int, now: float) -> None:
    conn.execute(alert_delivery.update().where(alert_delivery.c.id == delivery_id).values(
        status=SENT, sent_at=now, attempts=alert_delivery.c.attempts + 1, claimed_until=None, last_error=None))


def mark_failed(conn: Connection, due: Due, error: str, now: float) -> None:
    attempts = due.attempts + 1
    give_up = now - due.created_at > GIVE_UP_AFTER_S
    conn.execute(alert_delivery.update().where(alert_delivery.c.id == due.delivery_id).values(
        status=FAILED if give_up else PENDING, attempts=attempts, claimed_until=None,
        next_attempt_at=now + retry_delay(attempts), last_error=error[:300]))


@dataclass(frozen=True)
class AlertRow:
    id: int
    pseudonym: str
    reason: str
    channel: Optional[str]
    at: float
    deliveries: Tuple[Tuple[str, str, int, Optional[str], Optional[float]], ...]  # destination, status, ...

    @property
    def failing(self) -> bool:
        return any(status == FAILED or (status == PENDING and attempts > 0) for _, status, attempts, _, _ in
                   self.deliveries)


def recent(conn: Connection, limit: int = 100) -> List[AlertRow]:
    """The newest alerts with the state of each delivery, for the alerts page."""
    rows = conn.execute(sa.select(alert.c.id, conversation.c.pseudonym, alert.c.reason, alert.c.channel, alert.c.at)
                        .join(conversation, conversation.c.id == alert.c.conversation_id)
                        .order_by(alert.c.created_at.desc(), alert.c.id.desc()).limit(limit)).all()
    by_alert: Dict[int, list] = {}
    if rows:
        for d in conn.execute(sa.select(alert_delivery.c.alert_id, alert_delivery.c.destination, alert_delivery.c.status,
                                        alert_delivery.c.attempts, alert_delivery.c.last_error, alert_delivery.c.sent_at)
                              .where(alert_delivery.c.alert_id.in_([r.id for r in rows]))
                              .order_by(alert_delivery.c.destination)):
            by_alert.setdefault(d.alert_id, []).append(tuple(d)[1:])
    return [AlertRow(r.id, r.pseudonym, r.reason, r.channel, r.at, tuple(by_alert.get(r.id, ()))) for r in rows]


def failing_count(conn: Connection) -> int:
    """Deliveries that failed for good or are being retried: shown on the queue so nobody assumes
    the on-call was told."""
    failing = sa.or_(alert_delivery.c.status == FAILED,
                     sa.and_(alert_delivery.c.status == PENDING, alert_delivery.c.attempts > 0))
    return conn.execute(sa.select(sa.func.count()).select_from(alert_delivery).where(failing)).scalar_one()


def sent_since(conn: Connection, since: float) -> int:
    """Deliveries sent since then (the queue shows the last day's)."""
    return conn.execute(sa.select(sa.func.count()).select_from(alert_delivery)
                        .where(alert_delivery.c.status == SENT, alert_delivery.c.sent_at >= since)).scalar_one()
