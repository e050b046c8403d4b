"""The assistant's Prometheus metrics: what a monitor needs to see that parents are being answered.

Every Rasa worker counts into one directory (``PROMETHEUS_MULTIPROC_DIR``, which the supervisor makes
fresh at each start), and whichever worker is scraped adds them all up, as prometheus_client's
multiprocess mode does for gunicorn. Without that variable (a test's in-process agent, `rasa shell`)
the counts stay in the process.

The counts come from what the assistant did, not what the classifier guessed: a red flag is counted
when its human-contact answer was given (the `red_flag` slot set), a safety check when it was asked.
Labels are from closed lists, so a stranger's channel name cannot grow the series without bound.
"""
from __future__ import annotations

import os
from typing import Iterable, Optional, Tuple

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from rasa.shared.core.events import BotUttered

from coach.safety import RedFlag, SuspectedKind
from coach.vocabulary import (
    FALLBACK_ACTION,
    HANDOFF_ACTION,
    RED_FLAG_SLOT,
    REPHRASE_RESPONSE,
    SAFETY_CHECK_KIND_SLOT,
    SAFETY_CHECK_PENDING_SLOT,
)

# The channels `credentials.yml` opens, and Rasa's own test channels; anything else is "other".
CHANNELS = frozenset({"webchat", "telegram", "whatsapp", "twilio_whatsapp", "staff", "rest", "socketio",
                      "cmdline", "checkins"})
FLAGS = frozenset(flag.value for flag in RedFlag)
CHECK_KINDS = frozenset(kind.value for kind in SuspectedKind)
# A parent's message takes 0.05-0.4 s here (docs/results.md, bench); the buckets reach well past the
# 10 s after which a parent gives up, so a slow database shows as a shift, not as one overflow bucket.
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0)

MESSAGES = Counter("pumping_messages_total", "Parents' messages handled, by channel", ["channel"])
MESSAGE_ERRORS = Counter("pumping_message_errors_total",
                         "Messages whose handling raised an error (the parent got the trouble answer or nothing)",
                         ["channel"])
LATENCY = Histogram("pumping_message_seconds", "Time from a message's arrival to its answers, by channel",
                    ["channel"], buckets=LATENCY_BUCKETS)
RED_FLAGS = Counter("pumping_red_flags_total", "Human-contact answers given to a red flag, by kind", ["flag"])
SAFETY_CHECKS = Counter("pumping_safety_checks_total", "Short safety checks asked, by the kind suspected", ["kind"])
FALLBACKS = Counter("pumping_fallbacks_total", "Answers asking the parent to say it another way (not understood)")
HANDOFFS = Counter("pumping_handoff_requests_total", "Requests for a person answered with the clinic's contact")
CHECKINS = Counter("pumping_checkins_total", "Check-ins handled by the scheduler, by outcome", ["status"])
CHECKINS_LATE = Counter("pumping_checkins_late_total",
                        "Check-ins sent, or dropped, more than LATE_AFTER_S after they were due")
# A check-in is looked for every 30 s (channels/checkins.py POLL_S); ten minutes late means the loop
# was stuck or every server was down.
LATE_AFTER_S = 600
CHECKIN_STATUSES = frozenset({"sent", "template", "dropped", "skipped", "cancelled", "failed", "pending",
                              "no_reply"})


def _label(value: Optional[str], allowed: Iterable[str]) -> str:
    return value if value in allowed else "other"


def channel_label(channel: Optional[str]) -> str:
    return _label(channel, CHANNELS)


def count_message(channel: Optional[str], seconds: float, failed: bool = False) -> None:
    label = channel_label(channel)
    MESSAGES.labels(label).inc()
    LATENCY.labels(label).observe(seconds)
    if failed:
        MESSAGE_ERRORS.labels(label).inc()


def count_turn(events: Iterable[object]) -> None:
    """Count what one turn of the assistant did, from the events it added to the conversation."""
    check_kind = None
    for event in events:
        name = getattr(event, "key", None)
        value = getattr(event, "value", None)
        action = getattr(event, "action_name", None)
        # Rasa puts the response's name in the metadata of what it said (utter actions and custom ones alike).
        response_name = (getattr(event, "metadata", None) or {}).get("utter_action") if isinstance(event, BotUttered) else None
        if name == RED_FLAG_SLOT and value:
            RED_FLAGS.labels(_label(str(value), FLAGS)).inc()
        elif name == SAFETY_CHECK_KIND_SLOT and value:
            check_kind = str(value)
        elif name == SAFETY_CHECK_PENDING_SLOT and value is True:
            check_kind = check_kind or ""
        elif action == FALLBACK_ACTION or response_name == REPHRASE_RESPONSE:
            FALLBACKS.inc()
        elif action == HANDOFF_ACTION:
            HANDOFFS.inc()
    if check_kind is not None:
        SAFETY_CHECKS.labels(_label(check_kind, CHECK_KINDS)).inc()


def count_checkin(status: str, late_by_s: float) -> None:
    CHECKINS.labels(_label(status, CHECKIN_STATUSES)).inc()
    if status in ("sent", "template", "dropped") and late_by_s > LATE_AFTER_S:
        CHECKINS_LATE.inc()


def exposition() -> Tuple[bytes, str]:
    """The text a Prometheus server scrapes: every worker's counts when they share a directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
