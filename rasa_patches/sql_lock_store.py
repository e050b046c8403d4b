"""A conversation lock shared by several Rasa workers, kept in the tracker's own SQL database.

Rasa handles one message per conversation at a time, in arrival order, through its lock store. Its
default lock store lives in one process's memory, so Rasa then runs a single Sanic worker; the shared
alternative is Redis, an extra service. This store keeps the locks in the database the tracker
already uses (SQLite by default, PostgreSQL too), so `scripts/run` can start one worker per core
with nothing else to install. Several machines still use Redis (`rasa_patches.redis_lock_store`).

How it works: every message takes a ticket, one row in `conversation_ticket`. The row's id is its
place in line, and a message's turn comes when its ticket is the oldest unexpired ticket of its
conversation. Handing out tickets is one INSERT, so it needs no read-modify-write of a shared
record (the race `rasa_patches/redis_lock_store.py` describes for Redis cannot happen):
- on SQLite the INSERT holds the database's write lock until it commits, so ids are committed in
  the order they are given out;
- on PostgreSQL a sequence hands out ids before commit, so a transaction-scoped advisory lock on the
  conversation makes two tickets of one conversation commit in id order.
A finished message deletes its ticket. A worker that dies mid-message leaves a ticket that expires
after Rasa's lock lifetime (60 s), so a conversation is never blocked longer than that.

Use it in `endpoints.yml` with `lock_store: {type: rasa_patches.sql_lock_store.SQLLockStore, dialect:
sqlite, db: var/rasa.db}`: the same keys as the SQL tracker store (`url`, `port`, `username`,
`password` and `db` for PostgreSQL).
"""
from __future__ import annotations

import asyncio
import time
import zlib
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.utils.endpoints import EndpointConfig

from channels import schema
from channels.common import sqlite_for_workers

# How often a waiting message looks whether its turn has come. Rasa's own stores wait a whole second;
# a parent who sends two lines at once would then see the second answer a second late. A look is
# one indexed SELECT, so twenty a second cost nothing measurable.
POLL_SECONDS = 0.05

metadata = sa.MetaData()
tickets = sa.Table(
    "conversation_ticket", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("expires_at", sa.Float, nullable=False),
    sqlite_autoincrement=True,  # ids only grow, even after the newest ticket is deleted
)


# The statements, built once, so SQLAlchemy only looks them up in its cache. With the first look at
# the line folded into the ticket's transaction, a ticket taken and given back went from 1.55 to
# 1.04 ms of CPU (2026-11-29, before `sqlite_for_workers`).
_CONVERSATION, _NOW = sa.bindparam("conversation_id"), sa.bindparam("now")
_DROP_EXPIRED = tickets.delete().where(tickets.c.conversation_id == _CONVERSATION, tickets.c.expires_at < _NOW)
_ISSUE = tickets.insert()
_FIRST_IN_LINE = sa.select(sa.func.min(tickets.c.id)).where(tickets.c.conversation_id == _CONVERSATION,
                                                            tickets.c.expires_at >= _NOW)
_FINISH = tickets.delete().where(tickets.c.id == sa.bindparam("ticket"))


def _conversation_key(conversation_id: Text) -> int:
    """A 32-bit number for PostgreSQL's advisory lock (a collision only serialises two conversations)."""
    return zlib.crc32(conversation_id.encode()) - 2**31


def sql_url(endpoint_config: Optional[EndpointConfig]) -> Text:
    """The database URL of an endpoints.yml SQL store section, read as Rasa's SQL tracker store reads it."""
    settings = dict(endpoint_config.kwargs) if endpoint_config else {}
    return SQLTrackerStore.get_db_url(
        settings.get("dialect", "sqlite"), endpoint_config.url if endpoint_config else None,
        settings.get("port"), settings.get("db", "rasa.db"), settings.get("username"),
        settings.get("password"), settings.get("login_db"), settings.get("query"))


class SQLLockStore(LockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, engine: Optional[sa.engine.Engine] = None) -> None:
        if engine is None:
            url = sql_url(endpoint_config)
            engine = sa.create_engine(url, **create_engine_kwargs(url))
        self.engine = sqlite_for_workers(engine)
        schema.ensure(self.engine)  # several workers start at once: it takes a lock

    # --- the ticket book ---------------------------------------------------------------------------
    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._issue(conversation_id, lock_lifetime)[0]

    def _issue(self, conversation_id: Text, lock_lifetime: float) -> Tuple[int, Optional[int]]:
        """A new ticket, and the first ticket in line as the same transaction sees it (a message that
        finds its conversation free goes ahead without asking again)."""
        now = time.time()
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_conversation_key(conversation_id))))
                # Tickets left by a worker that died: gone once expired, so the book stays small.
                conn.execute(_DROP_EXPIRED, {"conversation_id": conversation_id, "now": now})
                result = conn.execute(_ISSUE, {"conversation_id": conversation_id, "expires_at": now + lock_lifetime})
                ticket = int(result.inserted_primary_key[0])
                first = conn.execute(_FIRST_IN_LINE, {"conversation_id": conversation_id, "now": now}).scalar()
                return ticket, first
        except sa.exc.SQLAlchemyError as error:
            raise LockError(f"Could not issue a ticket for conversation '{conversation_id}': {error}") from error

    def _first_in_line(self, conversation_id: Text) -> Optional[int]:
        with self.engine.connect() as conn:
            return conn.execute(_FIRST_IN_LINE, {"conversation_id": conversation_id, "now": time.time()}).scalar()

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(_FINISH, {"ticket": ticket_number})

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        return self._first_in_line(conversation_id) is not None

    # --- the lock ------------------------------------------------------------------------------------
    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncGenerator[TicketLock, None]:
        """Wait for this message's turn in its conversation, hold it, and give it up afterwards."""
        ticket, first = self._issue(conversation_id, lock_lifetime)
        expires = time.monotonic() + lock_lifetime
        try:
            while first != ticket:
                if first is None or first > ticket or time.monotonic() > expires:
                    # Our own ticket ran out while waiting: as Rasa's stores do, refuse rather than
                    # run alongside whoever holds the conversation now.
                    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
                await asyncio.sleep(min(wait_time_in_seconds, POLL_SECONDS))
                first = self._first_in_line(conversation_id)
            yield TicketLock(conversation_id)
        finally:
            self.cleanup(conversation_id, ticket)

    # Rasa's base class keeps a whole ticket book per conversation in one record; this store has no
    # such record, so these three are not used by `lock` and say so if anything calls them.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raise NotImplementedError("SQLLockStore keeps one row per ticket; use lock()")

    def delete_lock(self, conversation_id: Text) -> None:
        raise NotImplementedError("SQLLockStore keeps one row per ticket; use lock()")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("SQLLockStore keeps one row per ticket; use lock()")
