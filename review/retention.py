"""Deleting conversations older than the clinic's retention period, with a dry run first."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from review import audit, erasure
from review.privacy import pseudonym
from review.schema import events

CHUNK = 500  # senders per DELETE: under every database's bound-parameter limit


@dataclass
class Plan:
    cutoff: float
    senders: List[str]
    events: int

    def describe(self, secret: bytes) -> List[str]:
        return [pseudonym(secret, s) for s in self.senders]


def plan(tracker: Engine, days: int, now: float = None) -> Plan:
    """Conversations whose newest event is older than `days` days, from the events themselves."""
    if days < 1:
        raise ValueError("the retention period must be at least 1 day")
    cutoff = (now or time.time()) - days * 86400
    last = sa.func.max(events.c.timestamp)
    query = (sa.select(events.c.sender_id, sa.func.count()).group_by(events.c.sender_id).having(last < cutoff)
             .order_by(events.c.sender_id))
    with tracker.connect() as conn:
        rows = conn.execute(query).all()
    return Plan(cutoff, [r[0] for r in rows], sum(r[1] for r in rows))


def apply(plan_: Plan, tracker: Engine, own: Engine, secret: bytes, actor: str = "cli") -> "tuple[int, int]":
    """Delete what the plan lists: the events, then the app's rows. Returns (events, conversations)."""
    deleted_events = deleted_conversations = 0
    for start in range(0, len(plan_.senders), CHUNK):
        chunk = plan_.senders[start:start + CHUNK]
        with tracker.begin() as conn:
            # Re-check the age inside the delete: a parent who came back meanwhile keeps the conversation.
            recent = {r[0] for r in conn.execute(
                sa.select(events.c.sender_id).where(events.c.sender_id.in_(chunk), events.c.timestamp >= plan_.cutoff)
                .distinct())}
            chunk = [s for s in chunk if s not in recent]
            with own.begin() as own_conn:
                events_gone, conversations_gone = erasure.forget(conn, own_conn, chunk)
            deleted_events += events_gone
            deleted_conversations += conversations_gone
    with own.begin() as conn:
        cutoff = time.strftime('%Y-%m-%d', time.gmtime(plan_.cutoff))
        audit.record(conn, actor, "retention", "", f"older than {cutoff}: "
                     f"{len(plan_.senders)} conversations, {deleted_events} events deleted")
    return deleted_events, deleted_conversations
