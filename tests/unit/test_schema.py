"""The assistant's own tables are made and changed by migrations (channels/migrations): from nothing, from
a database of the version before migrations, by several processes at once, and never on a database
written by a newer version. Each test on a real SQLite file and on the PostgreSQL server of `make test`."""
import multiprocessing
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from channels import checkins, common, erasure, schema, twilio_whatsapp
from rasa_patches import sql_lock_store
from rasa_patches.sql_tracker_store import migrate_from_endpoints
from review import db as review_db
from tests.fixtures.databases import database_url

ROOT = Path(__file__).resolve().parents[2]
# What the code queries: the migrated database must match it exactly.
CODE_METADATAS = (checkins.metadata, erasure.metadata, common._seen_metadata, twilio_whatsapp._options_metadata,
                  sql_lock_store.metadata)


@contextmanager
def fresh_database(kind, tmp_path):
    """An empty database of its own: a new file, or a new database on the shared PostgreSQL server."""
    url = database_url(kind, tmp_path)
    if kind == "sqlite":
        yield url
        return
    name = f"schema_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield str(sa.engine.make_url(url).set(database=name))
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
        server.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as found:
        yield found


def _revision(engine):
    with engine.connect() as conn:
        return schema.current(conn)


def _stamp(engine, revision):
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {schema.VERSION_TABLE} (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(sa.text(f"DELETE FROM {schema.VERSION_TABLE}"))
        conn.execute(sa.text(f"INSERT INTO {schema.VERSION_TABLE} VALUES (:v)"), {"v": revision})


def _differences(engine):
    code = sa.MetaData()
    for metadata in CODE_METADATAS:
        for table in metadata.tables.values():
            table.to_metadata(code)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), code)
    # Tables that are not the assistant's (the version table, Rasa's events) are not compared.
    return [d for d in diffs if not (d[0] == "remove_table" and d[1].name not in schema.TABLES)]


def test_the_code_and_the_migrations_name_the_same_tables():
    assert sorted(t for m in CODE_METADATAS for t in m.tables) == sorted(schema.TABLES)


def test_an_empty_database_gets_every_table_as_the_code_uses_it(url):
    engine = sa.create_engine(url)
    assert schema.upgrade(engine) == schema.head()
    assert set(schema.TABLES) <= set(sa.inspect(engine).get_table_names())
    assert _revision(engine) == schema.head()
    assert _differences(engine) == []


def test_a_database_from_before_migrations_keeps_its_rows(url):
    # What 0.9.0 did: each server created the tables it used from the code's definitions, and wrote.
    engine = sa.create_engine(url)
    for metadata in CODE_METADATAS:
        metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(checkins.checkin.insert().values(event_id=7, sender_id="parent-1", due_at=1.0, created_at=0.5,
                                                      status="pending", attempts=0))
        conn.execute(common.seen_table.insert().values(message_key="telegram:1", seen_at=2.0))
    assert _revision(engine) is None
    schema.upgrade(engine)
    assert _revision(engine) == schema.head()
    with engine.connect() as conn:
        assert conn.execute(sa.select(checkins.checkin.c.sender_id, checkins.checkin.c.status)).all() == [
            ("parent-1", "pending")]
        assert conn.execute(sa.select(common.seen_table.c.message_key)).scalars().all() == ["telegram:1"]
    assert _differences(engine) == []
    # A second start changes nothing.
    schema.upgrade(engine)
    assert _revision(engine) == schema.head()


def test_a_database_from_a_newer_version_is_refused_and_left_alone(url):
    engine = sa.create_engine(url)
    _stamp(engine, "9999")
    with pytest.raises(schema.SchemaTooNew, match="9999.*newer version"):
        schema.upgrade(engine)
    with pytest.raises(schema.SchemaTooNew):
        schema.ensure(engine)
    assert not set(schema.TABLES) & set(sa.inspect(engine).get_table_names())
    assert _revision(engine) == "9999"


def _upgrade_in_a_process(url, results):
    try:
        results.put(schema.upgrade(sa.create_engine(url)))
    except Exception as error:  # reported to the test, which fails on it
        results.put(repr(error))


def test_workers_starting_together_migrate_once(url):
    # A server's workers and a second server all start at once; each runs the migrations it finds due.
    results = multiprocessing.get_context("spawn").Queue()
    processes = [multiprocessing.get_context("spawn").Process(target=_upgrade_in_a_process, args=(url, results))
                 for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [results.get(timeout=5) for _ in processes] == [schema.head()] * 4
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT count(*) FROM {schema.VERSION_TABLE}")).scalar() == 1
    assert _differences(engine) == []


def test_the_server_start_migrates_from_endpoints_yml(tmp_path):
    db = tmp_path / "rasa.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: rasa_patches.sql_tracker_store.PlainSQLTrackerStore\n"
                         f"  dialect: sqlite\n  db: {db}\n")
    assert migrate_from_endpoints(str(endpoints)) == schema.head()
    assert set(schema.TABLES) <= set(sa.inspect(sa.create_engine(f"sqlite:///{db}")).get_table_names())
    in_memory = tmp_path / "memory.yml"
    in_memory.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n")
    assert migrate_from_endpoints(str(in_memory)) is None


def test_the_supervisor_stops_at_once_with_a_clear_message_on_a_newer_database(tmp_path):
    db = tmp_path / "rasa.db"
    _stamp(sa.create_engine(f"sqlite:///{db}"), "9999")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: rasa_patches.sql_tracker_store.PlainSQLTrackerStore\n"
                         f"  dialect: sqlite\n  db: {db}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "serving.supervisor", "--workers", "2", "--host", "127.0.0.1", "--port", "0", "--",
         "run", "--endpoints", str(endpoints), "--model", str(tmp_path / "no-model-needed.tar.gz")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 5, done.stderr[-2000:]
    assert "The assistant will not start" in done.stderr and "newer version" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("will not start") <= 2  # each worker once, no restarts


def test_the_review_app_refuses_a_database_from_a_newer_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    engine = review_db.own_engine(url)
    review_db.migrate(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
    with pytest.raises(review_db.DatabaseTooNew, match="0999.*newer version"):
        review_db.migrate(engine)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_DATABASE_URL": url,
           "REVIEW_SECRET_FILE": str(tmp_path / "secret")}
    done = subprocess.run([sys.executable, "-m", "review", "migrate"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "newer version" in done.stderr and "Traceback" not in done.stderr


def test_endpoints_postgresql_yml_is_read_with_the_environment_filled_in(tmp_path, monkeypatch):
    # Rasa expands ${VAR} only in unquoted YAML values: a quoted one reached the database driver as
    # the literal "${DB_PORT}", and no worker could start on the shipped PostgreSQL settings.
    with fresh_database("postgresql", tmp_path) as found:
        url = sa.engine.make_url(found)
        for name, value in {"DB_HOST": url.host, "DB_PORT": str(url.port), "DB_NAME": url.database,
                            "DB_USER": url.username, "DB_PASSWORD": url.password or "",
                            "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook"}.items():
            monkeypatch.setenv(name, value)
        assert migrate_from_endpoints(str(ROOT / "endpoints.postgresql.yml")) == schema.head()
        assert set(schema.TABLES) <= set(sa.inspect(sa.create_engine(found)).get_table_names())


def test_an_erasure_request_id_is_never_given_twice(url):
    # The review app knows a request it carried out by its id and then deletes the row (review/erasure.py):
    # a reused id would make the next parent's request look done already (migration 0002).
    engine = sa.create_engine(url)
    schema.upgrade(engine)
    with engine.begin() as conn:
        first = conn.execute(erasure.erasure_request.insert().values(sender_id="a", requested_at=1.0)).inserted_primary_key[0]
        conn.execute(erasure.erasure_request.delete())
        second = conn.execute(erasure.erasure_request.insert().values(sender_id="b", requested_at=2.0)).inserted_primary_key[0]
    assert second > first
