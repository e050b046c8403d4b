"""The conversation index under load: two indexing processes at once must not count anything twice."""
import os
import random
import subprocess
import sys
import time

import sqlalchemy as sa

from harness import ROOT
from harness.synthetic import all_events, plans
from review.db import migrate, own_engine
from review.schema import conversation, events, index_state, tracker_metadata

# Three of the indexer's 20,000-event batches, so the two processes really contend for the claims.
CONVERSATIONS, EVENTS = 600, 60_000


def test_two_indexers_at_once_agree_with_the_events(tmp_path):
    tracker_url, own_url = f"sqlite:///{tmp_path / 'rasa.db'}", f"sqlite:///{tmp_path / 'review.db'}"
    tracker = sa.create_engine(tracker_url, future=True)
    tracker_metadata.create_all(tracker)
    rng = random.Random(7)
    rows = [dict(id=i, sender_id=e[0], type_name=e[1], timestamp=e[2], intent_name=e[3], action_name=e[4], data=e[5])
            for i, e in enumerate(all_events(rng, plans(rng, CONVERSATIONS, EVENTS, time.time()), time.time()), 1)]
    with tracker.begin() as conn:
        conn.execute(events.insert(), rows)
    migrate(own_engine(own_url))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_TRACKER_URL": tracker_url, "REVIEW_DATABASE_URL": own_url,
           "REVIEW_SECRET_FILE": str(tmp_path / "key")}
    procs = [subprocess.Popen([sys.executable, "-m", "review", "index"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    read = sum(int(out.split("Index up to date: ")[1].split(" new")[0].replace(",", "")) for out in outputs)
    assert read == EVENTS  # each batch was taken by exactly one of the two

    with tracker.connect() as conn:
        users = dict(conn.execute(sa.select(events.c.sender_id, sa.func.count()).where(events.c.type_name == "user")
                                  .group_by(events.c.sender_id)).all())
        senders = conn.execute(sa.select(sa.func.count(sa.distinct(events.c.sender_id)))).scalar_one()
    with own_engine(own_url).connect() as conn:
        indexed = dict(conn.execute(sa.select(conversation.c.sender_id, conversation.c.user_messages)).all())
        assert conn.execute(sa.select(index_state.c.last_event_id)).scalar_one() == EVENTS
    assert len(indexed) == senders == CONVERSATIONS
    assert {s: n for s, n in indexed.items() if n} == users
