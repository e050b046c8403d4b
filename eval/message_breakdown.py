"""Where the time of one message goes: each NLU component, each policy, the action server round trip,
the tracker store's read and write, and the conversation's lock.

    .venv/bin/python -m eval.message_breakdown [--model models/x.tar.gz] [--conversations 20]

The model is loaded in this process (Rasa's own Agent, the real SQLite tracker store, the real action
server started beside it), and the parts are timed by wrapping the methods Rasa calls for them:
``GraphNode.__call__`` for every node of the model's graph (NLU components and policies),
``RemoteAction.run`` for each call to the action server, the tracker store's ``retrieve`` and
``save``, and taking and giving back the conversation's lock. Ours runs with the stores `scripts/run`
gives its workers (rasa_patches/sql_tracker_store.py, rasa_patches/sql_lock_store.py on the same SQLite
file); the baseline with Rasa's defaults (its SQL tracker store, the in-memory lock store).
One message is one ``Agent.handle_message``; the table gives milliseconds per message (median over
messages, and the mean, which is what adds up), so a part that runs several times per
message (a policy predicts once per action) is summed within the message first. `make bench` prints
it for ours and the baseline; docs/results.md keeps the last figures.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional

from harness import ROOT
from harness.server import Server, free_port, model_path, stop_processes

# The same mix as the bench's load (eval/bench.py): topics, troubleshooting answers, small talk.
MESSAGES = [
    "hi", "my pump gives almost nothing", "yes she nurses fine", "a bit sore", "how long can milk stay in the fridge",
    "is coconut oil ok on the flanges", "what flange size should i use", "thanks", "i hate pumping",
    "how often should i pump", "left milk on the counter 5 hours is it ok", "can i talk to a person",
]


class Timings:
    """Seconds spent per part within the current message, then per message."""

    def __init__(self) -> None:
        self.current: Dict[str, float] = defaultdict(float)
        self.messages: List[Dict[str, float]] = []

    def add(self, part: str, seconds: float) -> None:
        self.current[part] += seconds

    def end_message(self, total: float) -> None:
        self.current["total (one message)"] += total
        self.messages.append(dict(self.current))
        self.current = defaultdict(float)

    def table(self) -> List[Dict[str, Any]]:
        parts = sorted({p for m in self.messages for p in m}, key=lambda p: -sum(m.get(p, 0) for m in self.messages))
        rows = []
        for part in parts:
            values = [m.get(part, 0.0) * 1000 for m in self.messages]
            rows.append({"part": part, "median_ms": round(statistics.median(values), 2),
                         "mean_ms": round(statistics.fmean(values), 2)})
        return rows


@contextmanager
def instrumented(timings: Timings, tracker_store: type, lock_store: type) -> Iterator[None]:
    """Wrap the methods Rasa calls for each part, for the duration of the block."""
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.graph import GraphNode

    originals = (GraphNode.__call__, RemoteAction.run, tracker_store.retrieve, tracker_store.save, lock_store.lock)
    node_call, held_lock = originals[0], originals[4]

    def timed_node(self: Any, *inputs: Any) -> Any:
        start = time.perf_counter()
        try:
            return node_call(self, *inputs)
        finally:
            # Rasa names graph nodes "run_<Component><index>", "run_<Policy><index>", "select_prediction", ...
            timings.add(f"graph: {self._node_name}", time.perf_counter() - start)

    def timed(method: Any, part: str) -> Any:
        async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await method(self, *args, **kwargs)
            finally:
                timings.add(part, time.perf_counter() - start)
        return wrapper

    @asynccontextmanager
    async def timed_lock(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        part = "lock store: take and give back"
        held = held_lock(self, *args, **kwargs)
        start = time.perf_counter()
        lock = await held.__aenter__()
        timings.add(part, time.perf_counter() - start)
        try:
            yield lock
        finally:
            start = time.perf_counter()
            await held.__aexit__(None, None, None)
            timings.add(part, time.perf_counter() - start)

    GraphNode.__call__ = timed_node
    RemoteAction.run = timed(originals[1], "action server round trip")
    tracker_store.retrieve = timed(originals[2], "tracker store: read")
    tracker_store.save = timed(originals[3], "tracker store: write")
    lock_store.lock = timed_lock
    try:
        yield
    finally:
        GraphNode.__call__, RemoteAction.run, tracker_store.retrieve, tracker_store.save, lock_store.lock = originals


async def _run(model: Path, tmp: Path, conversations: int, action_port: int, stock: bool) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import SQLTrackerStore

    # Rasa logs every policy state at debug level; a server runs at info, and so does this measurement.
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from rasa_patches.sql_lock_store import SQLLockStore
    from rasa_patches.sql_tracker_store import PlainSQLTrackerStore

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    timings = Timings()
    db = str(tmp / "rasa.db")
    tracker_store = SQLTrackerStore if stock else PlainSQLTrackerStore
    store = tracker_store(dialect="sqlite", db=db)
    lock_store = InMemoryLockStore() if stock else SQLLockStore(EndpointConfig(dialect="sqlite", db=db))
    # Each model as it would be served: ours installs its Rasa fix when its pipeline loads, the stock
    # baseline must not inherit it from an earlier load in this process.
    from rasa_patches import speed

    speed.uninstall()
    agent = Agent.load(str(model), tracker_store=store, lock_store=lock_store,
                       action_endpoint=EndpointConfig(url=f"http://127.0.0.1:{action_port}/webhook"))
    # Warm-up: the first message initialises lazily loaded parts.
    await agent.handle_message(UserMessage("hi", CollectingOutputChannel(), uuid.uuid4().hex))
    with instrumented(timings, type(store), type(lock_store)):
        for i in range(conversations):
            sender = uuid.uuid4().hex
            for k in range(len(MESSAGES)):
                message = UserMessage(MESSAGES[(i + k) % len(MESSAGES)], CollectingOutputChannel(), sender)
                start = time.perf_counter()
                await agent.handle_message(message)
                timings.end_message(time.perf_counter() - start)
    return timings.table()


def breakdown(model: Path, conversations: int = 10, stock: bool = False) -> List[Dict[str, Any]]:
    """Per-part milliseconds per message, the model served in this process with a real action server
    (``stock``: with Rasa's default stores, as the baseline is served)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
        server = Server("", tmp_path / "rasa.db", [], action_port=free_port(), env=env)
        try:
            server.start_action_server(tmp_path / "actions.log")
            return asyncio.run(_run(model, tmp_path, conversations, server.action_port, stock))
        finally:
            stop_processes(server.processes)


def markdown(rows: List[Dict[str, Any]], baseline: Optional[List[Dict[str, Any]]] = None) -> str:
    base = {r["part"]: r for r in baseline or []}
    head = "| part | ours, median ms | ours, mean ms |" + (" baseline, median ms | baseline, mean ms |" if baseline else "")
    lines = [head, "|---" * (5 if baseline else 3) + "|"]
    parts = [r["part"] for r in rows] + [p for p in base if p not in {r["part"] for r in rows}]
    ours = {r["part"]: r for r in rows}
    for part in parts:
        o, b = ours.get(part), base.get(part)
        cells = [f"{o['median_ms']}" if o else "-", f"{o['mean_ms']}" if o else "-"]
        if baseline:
            cells += [f"{b['median_ms']}" if b else "-", f"{b['mean_ms']}" if b else "-"]
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="model file (default: the current one)")
    parser.add_argument("--conversations", type=int, default=10, help=f"conversations of {len(MESSAGES)} messages")
    args = parser.parse_args()
    print(markdown(breakdown(args.model or model_path(), args.conversations)))


if __name__ == "__main__":
    main()
