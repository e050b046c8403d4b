"""rasa_patches/sql_tracker_store.py on a real SQLite file and a real PostgreSQL server: it reads and
writes the same rows as Rasa's own SQL tracker store, so either can read what the other wrote."""
import asyncio
import threading

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from harness import ROOT
from rasa_patches.sql_tracker_store import PlainSQLTrackerStore
from tests.fixtures.databases import clean_database_url

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    with clean_database_url(request.param, tmp_path, SQLTrackerStore.Base.metadata) as url:
        yield url


def store(kind, url):
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return kind(domain=DOMAIN, dialect="sqlite", db=parsed.database)
    return kind(domain=DOMAIN, dialect="postgresql", host=parsed.host, port=parsed.port, db=parsed.database,
                username=parsed.username, password=parsed.password)


def session(start: float, texts):
    """One conversation session: its start, then each text answered."""
    events = [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
              ActionExecuted("action_listen", timestamp=start)]
    for n, text in enumerate(texts, 1):
        at = start + n
        events += [UserUttered(text, {"name": "report_low_output", "confidence": 0.93},
                               parse_data={"intent": {"name": "report_low_output", "confidence": 0.93}, "entities": [],
                                           "text": text}, timestamp=at),
                   ActionExecuted("action_troubleshoot", timestamp=at + 0.1),
                   BotUttered("How long has it been like this?", {"buttons": None}, timestamp=at + 0.2),
                   SlotSet("pump_type", "wearable", timestamp=at + 0.3),
                   ActionExecuted("action_listen", timestamp=at + 0.4)]
    return events


async def save_in_steps(target, sender, events, step=5):
    """Saved as a server saves: after each message, the tracker as read back plus what happened since."""
    done = 0
    while done < len(events):
        tracker = await target.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        for event in events[done:done + step]:
            tracker.update(event)
        await target.save(tracker)
        done += step


def rows(url):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                                     "FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in found]


@pytest.mark.parametrize("writer, reader", [(PlainSQLTrackerStore, SQLTrackerStore),
                                            (SQLTrackerStore, PlainSQLTrackerStore)])
def test_either_store_reads_what_the_other_wrote(url, writer, reader):
    first, second = session(1000.0, ["my pump gives almost nothing", "a wearable"]), session(9000.0, ["hi again"])
    asyncio.run(save_in_steps(store(writer, url), "parent-1", first + second))

    latest = asyncio.run(store(reader, url).retrieve("parent-1"))
    assert list(latest.events) == second  # the latest session only, as Rasa reads it
    everything = asyncio.run(store(reader, url).retrieve_full_tracker("parent-1"))
    assert list(everything.events) == first + second
    assert latest.get_slot("pump_type") == "wearable"


def test_the_rows_are_the_rows_rasa_writes(url, tmp_path):
    events = session(1000.0, ["my pump gives almost nothing", "it hurts"]) + session(5000.0, ["thanks"])
    asyncio.run(save_in_steps(store(PlainSQLTrackerStore, url), "parent-2", events))
    ours = rows(url)

    rasas_url = f"sqlite:///{tmp_path / 'rasa-own.db'}"
    asyncio.run(save_in_steps(store(SQLTrackerStore, rasas_url), "parent-2", events))
    assert ours == rows(rasas_url)
    assert len(ours) == len(events)  # each event once: a save adds only what is not stored yet
    assert ("parent-2", "user", 1001.0, "report_low_output", None) == ours[3][:5]


def test_an_unknown_conversation_is_none(url):
    assert asyncio.run(store(PlainSQLTrackerStore, url).retrieve("nobody")) is None
    assert asyncio.run(store(PlainSQLTrackerStore, url).retrieve_full_tracker("nobody")) is None


def test_two_workers_append_to_one_conversation_in_turn(url):
    # Each worker reads the conversation the other just saved, adds one message's events and saves:
    # every event is stored once, in order (the lock store gives them their turns; here they alternate).
    workers = [store(PlainSQLTrackerStore, url), store(PlainSQLTrackerStore, url)]
    events = session(1000.0, [f"message {n}" for n in range(6)])

    async def message(worker, upto):
        tracker = await worker.retrieve("parent-3") or DialogueStateTracker("parent-3", DOMAIN.slots)
        for event in events[len(tracker.events):upto]:
            tracker.update(event)
        await worker.save(tracker)

    for n, upto in enumerate(range(3, len(events) + 1, 5)):
        asyncio.run(message(workers[n % 2], upto))
    assert list(asyncio.run(workers[1].retrieve("parent-3")).events) == events
    assert len(rows(url)) == len(events)


def test_the_store_can_be_used_from_several_threads(url):
    # The review app and a worker's executor threads share one store's kept-open connections.
    target = store(PlainSQLTrackerStore, url)
    failures = []

    def conversation(n):
        try:
            asyncio.run(save_in_steps(target, f"parent-t{n}", session(1000.0 + n, ["hello", "more"])))
        except Exception as error:  # reported below, with the thread's conversation
            failures.append((n, error))

    threads = [threading.Thread(target=conversation, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for n in range(6):
        assert len(asyncio.run(target.retrieve(f"parent-t{n}")).events) == 13
