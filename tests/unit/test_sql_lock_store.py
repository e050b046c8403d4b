"""rasa_patches/sql_lock_store.py on a real SQLite file and a real PostgreSQL server: one message per
conversation at a time, in arrival order, across processes; a dead holder does not block for ever."""
import asyncio
import multiprocessing
import time

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import LockError

from rasa_patches.sql_lock_store import SQLLockStore, metadata, tickets
from tests.fixtures.databases import clean_database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    with clean_database_url(request.param, tmp_path, metadata) as url:
        yield url


def store_for(url: str) -> SQLLockStore:
    return SQLLockStore(engine=sa.create_engine(url))


def test_messages_of_one_conversation_are_served_one_at_a_time_in_arrival_order(url):
    store = store_for(url)
    served, inside = [], []

    async def message(n: int) -> None:
        async with store.lock("parent-1"):
            inside.append(n)
            assert len(inside) == 1, "two messages of one conversation inside at once"
            await asyncio.sleep(0.01)
            served.append(n)
            inside.remove(n)

    async def arrive() -> None:
        tasks = []
        for n in range(8):
            tasks.append(asyncio.create_task(message(n)))
            await asyncio.sleep(0)  # let this one take its ticket before the next arrives
        await asyncio.gather(*tasks)

    asyncio.run(arrive())
    assert served == list(range(8))
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == 0  # every ticket given back


def test_other_conversations_do_not_wait(url):
    store = store_for(url)
    order = []

    async def slow() -> None:
        async with store.lock("slow-parent"):
            await asyncio.sleep(0.5)
            order.append("slow")

    async def quick() -> None:
        await asyncio.sleep(0.05)
        async with store.lock("quick-parent"):
            order.append("quick")

    async def both() -> None:
        await asyncio.gather(slow(), quick())

    asyncio.run(both())
    assert order == ["quick", "slow"]


def _worker(url: str, conversation: str, rounds: int, start: float) -> None:
    """Another process: read a counter, pause, write it back, under the lock (a lost update shows)."""
    store = store_for(url)
    engine = store.engine

    async def run() -> None:
        while time.time() < start:
            await asyncio.sleep(0.005)
        for _ in range(rounds):
            async with store.lock(conversation):
                with engine.begin() as conn:
                    value = conn.execute(sa.text("SELECT value FROM counter")).scalar()
                await asyncio.sleep(0.002)
                with engine.begin() as conn:
                    conn.execute(sa.text("UPDATE counter SET value = :v"), {"v": value + 1})

    asyncio.run(run())


def test_two_processes_never_hold_one_conversation_at_once(url):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS counter"))
        conn.execute(sa.text("CREATE TABLE counter (value INTEGER)"))
        conn.execute(sa.text("INSERT INTO counter VALUES (0)"))
    SQLLockStore(engine=engine)  # tables exist before the workers start
    start = time.time() + 1.0
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_worker, args=(url, "shared-parent", 25, start)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT value FROM counter")).scalar() == 75
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE counter"))


def test_a_ticket_left_by_a_dead_worker_blocks_only_until_it_expires(url):
    store = store_for(url)
    store.issue_ticket("parent-2", lock_lifetime=0.3)  # taken, never given back

    async def next_message() -> float:
        began = time.monotonic()
        async with store.lock("parent-2"):
            return time.monotonic() - began

    waited = asyncio.run(next_message())
    assert 0.2 <= waited < 5


def test_a_message_whose_own_ticket_runs_out_while_waiting_is_refused(url):
    store = store_for(url)
    store.issue_ticket("parent-3", lock_lifetime=30)  # a long message holds the conversation

    async def late() -> None:
        async with store.lock("parent-3", lock_lifetime=0.2):
            pass

    with pytest.raises(LockError):
        asyncio.run(late())
    with store.engine.connect() as conn:  # the refused message's ticket is gone, the holder's kept
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == 1

