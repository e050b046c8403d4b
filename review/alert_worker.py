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
from review import alerts, erasure, handoff, ops
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


def run_once(settings: Settings, own: Engine, tracker: Engine, now: Optional[float] = None,
             senders: Optional[Dict[str, Callable]] = None) -> Round:
    """One round: index, open deliveries for new alerts, send what is due. Returns what it did."""
    senders = senders or SENDERS
    result = Round(indexed=sync(own, tracker, settings, settings.secret()))
    # After indexing, so a conversation erased in the chat leaves no index row behind.
    result.erased = erasure.process_parent_requests(tracker, own, settings.secret())
    now = time.time() if now is None else now
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


def run_forever(settings: Settings, own: Engine, tracker: Engine, stop: Optional[threading.Event] = None) -> None:
    stop = stop or threading.Event()
    where = ", ".join(settings.alerts.destinations) or "the review app only (no ALERT_* destination set)"
    log.info("alert worker: every %.0f s, alerts go to %s", settings.alerts.poll_seconds, where)
    while not stop.is_set():
        started = time.monotonic()
        try:
            run_once(settings, own, tracker)
        except SQLAlchemyError as err:
            # A database that is briefly away must not end the worker: the next round tries again.
            log.error("alert worker round failed (%s); retrying", type(err).__name__)
        stop.wait(max(0.0, settings.alerts.poll_seconds - (time.monotonic() - started)))
