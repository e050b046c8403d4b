"""Rasa's SQL tracker store, reading and writing with prepared plain SQL instead of ORM queries.

Same table, same rows, same answers as `rasa.core.tracker_store.SQLTrackerStore` (the review app,
the check-ins and Rasa's own store read what this one writes, and the other way round). Only the way
each statement is built changes. Rasa builds an ORM query for every read and every write, and
SQLAlchemy walks each query's structure to find it in its statement cache. With the unit of work
that turns each stored event into an ORM object, that was about 1 ms of a read and 2 ms of a write
per message in a worker's profile (py-spy, 2026-11-29); here the statements are fixed text with bound
parameters, built once, and a save is one multi-row INSERT.

A conversation's events are read as Rasa reads them: the latest session only (from the newest
`session_started` event on, or everything if there is none), in id order. A save appends the events
that the stored session does not have yet, counted the same way, in the same transaction. One
message per conversation at a time is the lock store's job, as it is for Rasa's own store.

Use it in `endpoints.yml` with `tracker_store: {type: rasa_patches.sql_tracker_store.PlainSQLTrackerStore,
dialect: sqlite, db: var/rasa.db}`: the same keys as `type: SQL`.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from channels import schema
from channels.common import sqlite_for_workers

# The latest session's events: those stamped at or after the newest session start, or every event of
# the conversation when it has no session start. (Rasa's `_event_query`, written out.)
_LATEST_SESSION = """
    sender_id = :sender_id AND (
        timestamp >= (SELECT max(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = :started)
        OR (SELECT max(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = :started) IS NULL)
"""
_READ_SESSION = sa.text(f"SELECT data FROM events WHERE {_LATEST_SESSION} ORDER BY id")
_READ_ALL = sa.text("SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id")
_COUNT_SESSION = sa.text(f"SELECT count(*) FROM events WHERE {_LATEST_SESSION}")


class PlainSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rasa checks the PostgreSQL schema (POSTGRESQL_SCHEMA) at every session; it cannot vanish
        # while the server runs, so once is enough.
        with self.session_scope():
            pass
        self.engine = sqlite_for_workers(self.engine)
        schema.ensure(self.engine)  # the assistant's own tables beside `events` (channels/migrations)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._insert = self.SQLEvent.__table__.insert()

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.engine.connect() as conn:
            if fetch_events_from_all_sessions:
                rows = conn.execute(_READ_ALL, {"sender_id": sender_id}).scalars().all()
            else:
                rows = conn.execute(_READ_SESSION, _session_params(sender_id)).scalars().all()
        if not self.domain or not rows:
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.engine.begin() as conn:
            stored = conn.execute(_COUNT_SESSION, _session_params(tracker.sender_id)).scalar_one()
            rows = [_row(tracker.sender_id, event.type_name, event.as_dict()) for event in list(tracker.events)[stored:]]
            if rows:
                conn.execute(self._insert, rows)


def _session_params(sender_id: Text) -> Dict[str, Any]:
    return {"sender_id": sender_id, "started": SessionStarted.type_name}


def _row(sender_id: Text, type_name: Text, data: Dict[str, Any]) -> Dict[str, Any]:
    """One `events` row, with the same columns Rasa fills."""
    return {
        "sender_id": sender_id,
        "type_name": type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def migrate_from_endpoints(endpoints: Text) -> Optional[str]:
    """Bring the assistant's tables in the tracker database of ``endpoints`` to this code's version, before
    the model loads; returns the revision, or None without an SQL tracker store. Raises
    channels.schema.SchemaTooNew. A database that cannot be reached now is left to the tracker store,
    which retries as Rasa's does."""
    from rasa.core.tracker_store import create_engine_kwargs
    from rasa.utils.endpoints import read_endpoint_config

    from rasa_patches.sql_lock_store import sql_url

    config = read_endpoint_config(endpoints, "tracker_store")
    if config is None or (config.type or "").lower() not in ("sql", f"{__name__}.{PlainSQLTrackerStore.__name__}".lower()):
        return None
    url = sql_url(config)
    engine = sa.create_engine(url, **create_engine_kwargs(url))
    try:
        return schema.ensure(engine)  # recorded, so the tracker store's own ensure does not migrate again
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
