"""The alert worker (`scripts/review alerts`): index new events, send the alerts that are due, and hand
idle held conversations back to the assistant.

`make run` starts it beside the review app. It holds nothing in memory between rounds: everything it
needs is in the app's tables, so a restart, or two workers at once, neither loses nor repeats an alert.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from coach.clinic import clinic
from review import alerts, erasure, handoff, ops, retention
from review.db import tracker_engine
from review.indexer import sync
from review.notify import SENDERS, DeliveryError
from review.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Round:
    indexed: int = 0
    opened: int = 0
    sent: int = 0
    failed: int = 0
    released: int = 0
    erased: int = 0
    expired: int = 0  # conversations past clinic.yml's retention_days, deleted by the daily retention


# The retention runs at most this often (clinic.yml's retention_days is in whole days).
RETENTION_EVERY_S = 24 * 3600
RETENTION = "retention"  # its worker_beat row: when it last ran


class _Writable:
    """The conversations database opened for writing, only when a round needs it (the worker reads it
    otherwise, as the web app does)."""

    def __init__(self, url: str) -> None:
        self.url, self.engine = url, None

    def __call__(self) -> Engine:
        if self.engine is None:
            self.engine = tracker_engine(self.url, read_only=False)
        return self.engine


def run_once(settings: Settings, own: Engine, tracker: Engine, now: Optional[float] = None,
             senders: Optional[Dict[str, Callable]] = None, writable: Optional[Callable[[], Engine]] = None) -> Round:
    """One round: index, open deliveries for new alerts, send what is due, and once a day delete what is
    past the retention period. Returns what it did."""
    senders = senders or SENDERS
    writable = writable or _Writable(settings.tracker_url)
    result = Round(indexed=sync(own, tracker, settings, settings.secret()))
    # After indexing, so a conversation erased in the chat leaves no index row behind.
    result.erased = erasure.process_parent_requests(tracker, own, settings.secret(), writable)
    now = time.time() if now is None else now
    result.expired = _daily_retention(settings, own, tracker, writable, now)
    result.opened = alerts.open_deliveries(own, settings.alerts, clinic().timezone, now)
    with own.begin() as conn:
        due = alerts.claim_due(conn, now)
    for item in due:
        try:
            senders[item.destination](item, settings.alerts)
        except DeliveryError as err:
            result.failed += 1
            log.warning("alert %s (%s, %s) not delivered by %s, attempt %s: %s", item.alert_id, item.reason,
                        item.pseudonym, item.destination, item.attempts + 1, err)
            with own.begin() as conn:
                alerts.mark_failed(conn, item, str(err), now)
        else:
            result.sent += 1
            log.info("alert %s (%s, %s) sent by %s", item.alert_id, item.reason, item.pseudonym, item.destination)
            with own.begin() as conn:
                alerts.mark_sent(conn, item.delivery_id, time.time())
    if settings.staff_api_secret:
        # Held conversations nobody has written in for the idle time go back to the assistant.
        with own.begin() as conn:
            result.released = handoff.release_idle(conn, settings, now)
    with own.begin() as conn:
        ops.beat(conn, ops.ALERT_WORKER, time.time(), f"sent {result.sent}, failed {result.failed}")
    return result


def _daily_retention(settings: Settings, own: Engine, tracker: Engine, writable: Callable[[], Engine],
                     now: float) -> int:
    """What the privacy notice promises (clinic.yml's retention_days): conversations that long without a
    message are deleted, with everything about them (review/retention.py), at most once a day."""
    if not settings.retention_days:
        return 0
    with own.connect() as conn:
        last = ops.last_beat(conn, RETENTION)
    if last is not None and now - last < RETENTION_EVERY_S:
        return 0
    plan = retention.plan(tracker, settings.retention_days, now)
    try:
        deleted = retention.apply(plan, writable(), own, settings.secret(), actor="daily retention")[1] \
            if plan.senders else 0
    except SQLAlchemyError as error:
        # Most likely a role that may only read the conversations (docs/review.md): say so, try tomorrow.
        log.error("daily retention failed (%s): conversations past %s days are still stored", type(error).__name__,
                  settings.retention_days)
        with own.begin() as conn:
            ops.beat(conn, RETENTION, now, f"failed: {type(error).__name__}")
        return 0
    with own.begin() as conn:
        ops.beat(conn, RETENTION, now, f"{len(plan.senders)} conversations past {settings.retention_days} days")
    if plan.senders:
        log.info("daily retention: %s conversations with no message in %s days deleted", len(plan.senders),
                 settings.retention_days)
    return deleted


def run_forever(settings: Settings, own: Engine, tracker: Engine, stop: Optional[threading.Event] = None) -> None:
    stop = stop or threading.Event()
    where = ", ".join(settings.alerts.destinations) or "the review app only (no ALERT_* destination set)"
    log.info("alert worker: every %.0f s, alerts go to %s", settings.alerts.poll_seconds, where)
    writable = _Writable(settings.tracker_url)
    while not stop.is_set():
        started = time.monotonic()
        try:
            run_once(settings, own, tracker, writable=writable)
        except SQLAlchemyError as err:
            # A database that is briefly away must not end the worker: the next round tries again.
            log.error("alert worker round failed (%s); retrying", type(err).__name__)
        stop.wait(max(0.0, settings.alerts.poll_seconds - (time.monotonic() - started)))
