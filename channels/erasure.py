"""Erasing one conversation from the assistant's database when the parent asks (in any channel).

The conversation's rules (data/rules/erase.yml) end in `utter_erased`; once the Rasa server has said
it and saved the turn, `rasa_patches.erasure` calls ``forget_conversation`` under the conversation's
lock. It deletes the conversation's events (its messages, answers, pumping log and check-in booking),
its check-in rows and its WhatsApp numbered options, and leaves one `erasure_request` row so that the
review app removes its own copy (index, notes, alerts: review/erasure.py) and writes the audit line.
That row holds the parent's id only until the review app has seen it, at most ``KEEP_REQUESTS_S``.
"""
from __future__ import annotations

import contextvars
import logging
import time
from typing import Any, Optional

import sqlalchemy as sa

from channels import schema
from channels.common import sql_engine

logger = logging.getLogger(__name__)

# The review app looks every few seconds (ALERT_POLL_SECONDS); a week covers a review app that was down
# for a long weekend. After that the request is deleted whether or not it was seen.
KEEP_REQUESTS_S = 7 * 86400
# The assistant's tables keyed by the parent's id, besides Rasa's events: table -> column.
OWN_TABLES = {"checkin": "sender_id", "twilio_numbered_options": "sender"}

metadata = sa.MetaData()
erasure_request = sa.Table(
    "erasure_request", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("requested_at", sa.Float, nullable=False, index=True),
    # Ids never reused: the review app knows a request it carried out by its id (migration 0002).
    sqlite_autoincrement=True,
)
_events = sa.table("events", sa.column("sender_id"))
# Set in the request that erased a conversation: the web chat then tells its page to forget the id.
ERASED: contextvars.ContextVar[bool] = contextvars.ContextVar("erased", default=False)


def forget_conversation(tracker_store: Any, sender_id: str, now: Optional[float] = None) -> int:
    """Delete the conversation ``sender_id`` from the assistant's store; returns the events deleted."""
    now = time.time() if now is None else now
    engine = sql_engine(tracker_store)
    if engine is None:
        return _forget_in_memory(tracker_store, sender_id)
    schema.ensure(engine)
    inspector = sa.inspect(engine)
    present = {name: sa.table(name, sa.column(col)) for name, col in OWN_TABLES.items() if inspector.has_table(name)}
    with engine.begin() as conn:
        deleted = conn.execute(_events.delete().where(_events.c.sender_id == sender_id)).rowcount
        for name, table in present.items():
            conn.execute(table.delete().where(table.c[OWN_TABLES[name]] == sender_id))
        conn.execute(erasure_request.insert().values(sender_id=sender_id, requested_at=now))
    ERASED.set(True)
    logger.info("a conversation was erased at the parent's request (%s events)", deleted)
    return deleted


def _forget_in_memory(tracker_store: Any, sender_id: str) -> int:
    store = tracker_store
    for _ in range(4):
        if isinstance(getattr(store, "store", None), dict):
            store.store.pop(sender_id, None)
            ERASED.set(True)
            return 0
        store = getattr(store, "_tracker_store", None)
    logger.error("a parent asked to erase the conversation, but the tracker store %s cannot delete",
                 type(tracker_store).__name__)
    return 0


def purge_requests(engine: sa.engine.Engine, now: Optional[float] = None) -> int:
    """Delete erasure requests older than KEEP_REQUESTS_S (the check-in loop calls it each round; its
    store made the table at start)."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        return conn.execute(erasure_request.delete().where(erasure_request.c.requested_at < now - KEEP_REQUESTS_S)).rowcount
