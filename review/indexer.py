"""Keeps the app's `conversation` table up to date with Rasa's `events`, incrementally.

Only events with an id above the last one seen are read, so a page view after a quiet minute costs
one indexed query. The first run over a large store reports its progress.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from review import alerts
from review.events import EventRow, Summary
from review.privacy import pseudonym
from review.schema import as_csv_column, conversation, csv_values, events, index_state
from review.settings import Settings

# Events read per transaction: large enough to amortise the round trips, small enough that a first
# index of a million events shows progress and holds no lock for long.
BATCH = 20_000
_lock = threading.Lock()


def summary_from_row(row) -> Summary:
    return Summary(
        sender_id=row.sender_id, first_at=row.first_at, last_at=row.last_at, channel=row.channel,
        user_messages=row.user_messages, misunderstandings=row.misunderstandings, misses_pending=row.misses_pending,
        red_flag=row.red_flag, handoff=bool(row.handoff), suspected_cause=row.suspected_cause,
        topics=set(csv_values(row.topics)), attention_at=row.attention_at,
        attention_reasons=set(csv_values(row.attention_reasons)),
        search_text=row.search_text or "", turn_missed=bool(row.turn_missed), outcome=row.outcome,
        checked_in=bool(row.checked_in),
    )


def summary_values(s: Summary) -> Dict:
    return dict(
        channel=s.channel, first_at=s.first_at, last_at=s.last_at, user_messages=s.user_messages,
        misunderstandings=s.misunderstandings, misses_pending=s.misses_pending, red_flag=s.red_flag, handoff=s.handoff,
        suspected_cause=s.suspected_cause, topics=as_csv_column(s.topics), attention_at=s.attention_at,
        attention_reasons=as_csv_column(s.attention_reasons), search_text=s.search_text, turn_missed=s.turn_missed,
        outcome=s.outcome, checked_in=s.checked_in,
    )


def _read_batch(tracker: Engine, after: int) -> List[EventRow]:
    query = (sa.select(events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.intent_name,
                       events.c.action_name, events.c.data)
             .where(events.c.id > after).order_by(events.c.id).limit(BATCH))
    try:
        with tracker.connect() as conn:
            return [EventRow(*row) for row in conn.execute(query)]
    except (OperationalError, ProgrammingError) as err:
        # No tracker database or no events table yet: the assistant has not had a conversation.
        if "no such table" in str(err) or "unable to open" in str(err) or "does not exist" in str(err):
            return []
        raise


def _apply_batch(conn: Connection, rows: List[EventRow], settings: Settings, secret: bytes) -> None:
    senders = sorted({row.sender_id for row in rows})
    existing: Dict[str, Summary] = {}
    for start in range(0, len(senders), 500):  # stay under every database's bound-parameter limit
        chunk = senders[start:start + 500]
        for row in conn.execute(sa.select(conversation).where(conversation.c.sender_id.in_(chunk))):
            existing[row.sender_id] = summary_from_row(row)
    fresh: Dict[str, Summary] = {}
    reasons_before = {sender: set(s.attention_reasons) for sender, s in existing.items()}
    for row in rows:
        summary = existing.get(row.sender_id) or fresh.get(row.sender_id)
        if summary is None:
            at = row.timestamp or time.time()
            summary = fresh[row.sender_id] = Summary(row.sender_id, at, at)
        summary.apply(row, settings.low_confidence, settings.misunderstandings_for_attention)
    if existing:
        conn.execute(
            conversation.update().where(conversation.c.sender_id == sa.bindparam("key")),
            [{"key": s.sender_id, **summary_values(s)} for s in existing.values()],
        )
    if fresh:
        conn.execute(conversation.insert(), [
            {"sender_id": s.sender_id, "pseudonym": pseudonym(secret, s.sender_id), **summary_values(s)}
            for s in fresh.values()
        ])
    # Reasons that arose in this batch become alerts in the same transaction: made exactly once.
    new = [alerts.NewReasons(s.sender_id, added, s.channel, s.attention_at or s.last_at)
           for s in [*existing.values(), *fresh.values()]
           if (added := alerts.added_reasons(reasons_before.get(s.sender_id, ()), s.attention_reasons))]
    alerts.record_new(conn, new)


def last_indexed(conn: Connection) -> int:
    return conn.execute(sa.select(index_state.c.last_event_id).where(index_state.c.id == 1)).scalar() or 0


def sync(own: Engine, tracker: Engine, settings: Settings, secret: bytes,
         progress: Optional[Callable[[int, int], None]] = None) -> int:
    """Index every event stored since the last call; returns how many were read.

    Several processes may index at once (the web app and `review index`): each batch first claims
    its range by moving `index_state` on from the value it read, and a process that loses that race
    drops its batch and reads again. The claim is the transaction's first write, so on SQLite it
    also takes the write lock before any conversation row is read.
    """
    done = 0
    with _lock:
        while True:
            with own.connect() as conn:
                after = last_indexed(conn)
            rows = _read_batch(tracker, after)
            if not rows:
                return done
            with own.begin() as conn:
                claimed = conn.execute(index_state.update()
                                       .where(index_state.c.id == 1, index_state.c.last_event_id == after)
                                       .values(last_event_id=rows[-1].id)).rowcount
                if claimed:
                    _apply_batch(conn, rows, settings, secret)
            if claimed:
                done += len(rows)
                if progress:
                    progress(done, rows[-1].id)
