"""The review benchmark's databases: a tracker store filled with synthetic conversations, the review index.

`make_target`'s SQLite files or temporary PostgreSQL databases; `fill_tracker` writes Rasa's events
table from harness/synthetic.py's conversations (seeded, so runs compare), `build_index` indexes them
the way the app does, `settle` and `prepare_review_db` make the state the pages are timed in.
"""
from __future__ import annotations

import random
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import sqlalchemy as sa

from harness.synthetic import Plan, all_events, plans
from review import accounts, conversations
from review.db import migrate, own_engine, tracker_engine
from review.indexer import sync
from review.schema import conversation, tracker_metadata
from review.settings import Settings

SEED = 20240611  # fixed: the same conversations on every run, so runs compare
INSERT_BATCH = 20_000  # rows per executemany: big enough to amortise the calls, small enough for steady progress
COMMIT_EVERY = 200_000  # rows per fill transaction
PROGRESS_EVERY = 100_000  # events between progress lines (fill and index)
REVIEWED_SHARE = 0.25  # share of waiting conversations marked reviewed, so the queue and `reviewed=` have both
PASSWORD = "correct horse battery staple 42"
USER = "bench"


@dataclass
class Target:
    """Where the tracker store and the review database live for this run, and how to remove them."""
    backend: str
    tracker_url: str
    own_url: str
    workdir: Path
    cleanup: Callable[[], None]
    size: Callable[[], Dict[str, int]]


def sqlite_target(workdir: Path, keep: bool) -> Target:
    tracker, own = workdir / "rasa.db", workdir / "review.db"

    def size() -> Dict[str, int]:
        return {name: sum(p.stat().st_size for p in workdir.glob(f"{name}.db*")) for name in ("rasa", "review")}

    def cleanup() -> None:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return Target("sqlite", f"sqlite:///{tracker}", f"sqlite:///{own}", workdir, cleanup, size)


def postgres_target(admin_url: str, workdir: Path, keep: bool) -> Target:
    url = sa.engine.make_url(admin_url)
    suffix = uuid.uuid4().hex[:8]
    names = {"rasa": f"review_bench_rasa_{suffix}", "review": f"review_bench_review_{suffix}"}
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def size() -> Dict[str, int]:
        with admin.connect() as conn:
            return {k: conn.execute(sa.text("SELECT pg_database_size(:n)"), {"n": n}).scalar_one()
                    for k, n in names.items()}

    def cleanup() -> None:
        if not keep:
            with admin.connect() as conn:
                for name in names.values():
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            shutil.rmtree(workdir, ignore_errors=True)
        admin.dispose()
    return Target("postgresql", str(url.set(database=names["rasa"])), str(url.set(database=names["review"])),
                  workdir, cleanup, size)


def _insert_rows(engine: sa.engine.Engine, backend: str, rows: Iterator[Tuple]) -> Iterator[int]:
    """Writes (id, ...) rows in big batches, yielding the running count after each batch."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if backend == "sqlite":
            # Only for the fill: no fsync and a write-ahead log, then back to Rasa's default journal.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=OFF")
        sql = "INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, action_name, data) VALUES "
        if backend == "postgresql":
            from psycopg2.extras import execute_values

            def put(batch: List[Tuple]) -> None:
                execute_values(cur, sql + "%s", batch, page_size=1000)
        else:
            def put(batch: List[Tuple]) -> None:
                cur.executemany(sql + "(?, ?, ?, ?, ?, ?, ?)", batch)
        done, since_commit, batch = 0, 0, []
        for row in rows:
            batch.append(row)
            if len(batch) == INSERT_BATCH:
                put(batch)
                done += len(batch)
                since_commit += len(batch)
                batch = []
                if since_commit >= COMMIT_EVERY:
                    raw.commit()
                    since_commit = 0
                yield done
        if batch:
            put(batch)
            done += len(batch)
        raw.commit()
        if backend == "postgresql":
            # Ids were given explicitly; Rasa's next insert must continue after them.
            cur.execute("SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))")
        else:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.execute("PRAGMA journal_mode=DELETE")
        raw.commit()
        yield done
    finally:
        raw.close()


def fill_tracker(target: Target, conversations_n: int, events_n: int, end: float) -> Tuple[List[Plan], Dict[str, Any]]:
    """Rasa's events table (review.schema's definition), filled with synthetic conversations."""
    engine = sa.create_engine(target.tracker_url, future=True)
    tracker_metadata.create_all(engine)
    rng = random.Random(SEED)
    conversation_plans = plans(rng, conversations_n, events_n, end)
    numbered = ((i, *event) for i, event in enumerate(all_events(rng, conversation_plans, end), start=1))
    started, shown = time.monotonic(), 0
    for done in _insert_rows(engine, target.backend, numbered):
        if done - shown >= PROGRESS_EVERY or (done == events_n and shown != done):
            shown = done
            rate = done / max(time.monotonic() - started, 1e-9)
            print(f"  filled {done:>9,} / {events_n:,} events ({rate:,.0f}/s)", flush=True)
    seconds = time.monotonic() - started
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*), count(DISTINCT sender_id) FROM events")).one()
    engine.dispose()
    if tuple(stored) != (events_n, conversations_n):
        raise SystemExit(f"the fill stored {stored[0]} events of {stored[1]} conversations, "
                         f"expected {events_n} of {conversations_n}")
    size = target.size()["rasa"]
    print(f"Filled the tracker store in {seconds:.1f} s ({events_n / seconds:,.0f} events/s); "
          f"{size / 2 ** 20:,.0f} MiB.", flush=True)
    return conversation_plans, {"fill_s": round(seconds, 1), "tracker_bytes": size}


def build_index(settings: Settings) -> Dict[str, Any]:
    """The first full index, as `review index` or the first page view would do it."""
    own = own_engine(settings.database_url)
    migrate(own)
    tracker = tracker_engine(settings.tracker_url)
    started, shown = time.monotonic(), [0]

    def progress(done: int, last_id: int) -> None:
        if done - shown[0] >= PROGRESS_EVERY:
            shown[0] = done
            rate = done / max(time.monotonic() - started, 1e-9)
            print(f"  indexed {done:>9,} events (up to id {last_id:,}; {rate:,.0f}/s)", flush=True)
    done = sync(own, tracker, settings, settings.secret(), progress=progress)
    seconds = time.monotonic() - started
    print(f"First full index: {done:,} events in {seconds:.1f} s ({done / seconds:,.0f} events/s).", flush=True)
    tracker.dispose()
    own.dispose()
    return {"index_s": round(seconds, 1), "index_events_per_s": round(done / seconds)}


def settle(target: Target) -> None:
    """PostgreSQL: what autovacuum would long since have done to a store that grew over months.

    Right after a bulk load of a million rows autovacuum's VACUUM and ANALYZE of both tables start
    during the timing and compete for the two cores; doing them first measures the steady state.
    SQLite has no such background work (and neither Rasa nor the app runs its ANALYZE), so nothing is
    done there.
    """
    if target.backend != "postgresql":
        return
    started = time.monotonic()
    for url, table_name in ((target.tracker_url, "events"), (target.own_url, "conversation")):
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", future=True)
        with engine.connect() as conn:
            conn.execute(sa.text(f"VACUUM ANALYZE {table_name}"))
        engine.dispose()
    print(f"VACUUM ANALYZE of events and conversation: {time.monotonic() - started:.1f} s.", flush=True)


def prepare_review_db(settings: Settings) -> Dict[str, Any]:
    """Marks a share of the waiting conversations reviewed (as staff would have) and makes the account."""
    own = own_engine(settings.database_url)
    rng = random.Random(SEED + 1)
    with own.begin() as conn:
        waiting = conn.execute(sa.select(conversation.c.pseudonym).where(conversation.c.attention_at.isnot(None))
                               .order_by(conversation.c.id)).scalars().all()
        for p in rng.sample(waiting, int(len(waiting) * REVIEWED_SHARE)):
            conversations.mark_reviewed(conn, p, "lead-nurse")
        accounts.create_user(conn, USER, PASSWORD, "reviewer", settings, actor="cli")
    with own.connect() as conn:
        c = conversation.c
        counts = conn.execute(sa.select(
            sa.func.count(), sa.func.count(c.attention_at), sa.func.count(c.red_flag),
            sa.func.sum(sa.case((c.handoff.is_(True), 1), else_=0)), sa.func.count(c.reviewed_at))).one()
    own.dispose()
    facts = dict(zip(("conversations", "waiting", "red_flag", "handoff", "reviewed"), (int(v or 0) for v in counts),
                     strict=True))
    print("Review index: " + ", ".join(f"{k} {v:,}" for k, v in facts.items()), flush=True)
    return facts
