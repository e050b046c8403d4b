"""The assistant's own tables in the tracker database, beside Rasa's `events`: made and changed only by
the migrations in channels/migrations (Alembic, as the review app does for its database).

Every process that uses one of them calls `ensure(engine)` before its first query. The first call in a
process brings the database to this code's version, under a lock, since a server's workers and a second
server all start together; later calls cost a set lookup. A database written by a newer version of the
assistant is refused (`SchemaTooNew`): this code does not know its tables, and writing to them could
lose what the newer version keeps there. Rasa makes and owns `events` itself.
"""
from __future__ import annotations

import contextlib
import fcntl
import threading
from pathlib import Path
from typing import Iterator, Optional, Set

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "assistant_schema_version"
# PostgreSQL's advisory lock held while one process migrates. The two-number form has its own key space,
# apart from the lock store's one-number conversation keys (rasa_patches/sql_lock_store.py).
_PG_LOCK_KEYS = {"a": 0x70756D70, "b": 1}  # "pump", the assistant's tables

# Every table the migrations make, for checks and tests (channels/migrations/versions).
TABLES = ("conversation_ticket", "channel_message_seen", "checkin", "checkin_cursor", "twilio_numbered_options",
          "erasure_request")

_done: Set[str] = set()
_done_lock = threading.Lock()


class SchemaTooNew(RuntimeError):
    """The database was written by a newer version of the assistant than this code."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> Set[str]:
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current(connection: sa.engine.Connection) -> Optional[str]:
    """The database's revision; None for a database never migrated (new, or from before migrations)."""
    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


@contextlib.contextmanager
def _migration_lock(engine: sa.engine.Engine) -> Iterator[None]:
    """One migrating process at a time per database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:a, :b)"), _PG_LOCK_KEYS)
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:a, :b)"), _PG_LOCK_KEYS)
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    # A file beside the database: SQLite's own locks do not cover Alembic's reads before it writes.
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refuse_if_newer(revision: Optional[str]) -> None:
    if revision is not None and revision not in known_revisions():
        raise SchemaTooNew(
            f"The assistant's database is at schema revision {revision}, which this version of the "
            f"assistant does not know (it knows up to {head()}): it was written by a newer version. "
            f"Run that version, or restore a backup made before the upgrade (docs/upgrading.md).")


def upgrade(engine: sa.engine.Engine) -> str:
    """Bring the assistant's tables to this code's version; returns the revision. Raises SchemaTooNew."""
    with _migration_lock(engine):
        with engine.connect() as conn:
            before = current(conn)
        refuse_if_newer(before)
        target = head()
        if before != target:
            config = _config()
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        return target


def forget_migrated(engine: sa.engine.Engine) -> None:
    """Make the next `ensure` on this database look again (after its tables were dropped)."""
    _done.discard(str(engine.url))


def ensure(engine: sa.engine.Engine) -> str:
    """`upgrade` once per process and database (the worker's start and every store call it); returns the
    revision."""
    key = str(engine.url)
    if key not in _done:
        with _done_lock:
            if key not in _done:
                upgrade(engine)
                _done.add(key)
    return head()
