"""Database connections: the app's own database, and the assistant's tracker store (read-only)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine, make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Rasa writes the SQLite file while staff read it; wait for its write lock instead of failing.
SQLITE_BUSY_TIMEOUT_S = 15


def _sqlite_file(url) -> Optional[str]:
    return url.database if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") else None


# hide_parameters: conversation ids (phone numbers, Telegram ids) must never reach a log through a
# database error message.


def own_engine(url: str) -> Engine:
    parsed = make_url(url)
    path = _sqlite_file(parsed)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                                  future=True, hide_parameters=True)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Foreign keys are off by default in SQLite; WAL lets page reads go on during writes.
            dbapi_connection.execute("PRAGMA foreign_keys=ON")
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True, future=True, hide_parameters=True)


def tracker_engine(url: str, read_only: bool = True) -> Engine:
    """The assistant's store. The web app opens it read-only; only the retention command writes."""
    parsed = make_url(url)
    path = _sqlite_file(parsed)
    if path:
        if read_only:
            # mode=ro: SQLite itself refuses writes (and will not create a missing file).
            ro = parsed.set(database=f"file:{Path(path).resolve()}?mode=ro", query={"uri": "true"})
            return sa.create_engine(ro, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                                    future=True, hide_parameters=True)
        return sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, future=True,
                                hide_parameters=True)
    engine = sa.create_engine(parsed, pool_pre_ping=True, future=True, hide_parameters=True)
    if read_only and parsed.get_backend_name() == "postgresql":
        @sa.event.listens_for(engine, "connect")
        def _read_only(dbapi_connection, _record):
            with dbapi_connection.cursor() as cur:
                cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()
    return engine


class DatabaseTooNew(SystemExit):
    """The review app's database was written by a newer version: this code does not know its tables."""


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the app's tables up to date (Alembic), in one transaction; refuse a database from a newer
    version (DatabaseTooNew), whose tables this code could damage."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    with engine.begin() as connection:
        found = MigrationContext.configure(connection).get_current_revision()
        if found is not None and found not in {script.revision for script in scripts.walk_revisions()}:
            raise DatabaseTooNew(
                f"The review app's database is at schema revision {found}, which this version does not know "
                f"(it knows up to {scripts.get_current_head()}): it was written by a newer version. Run that "
                f"version, or restore a backup made before the upgrade (docs/upgrading.md).")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
