"""Does a message cost the same at message 500, or after eight weeks of use, as at message 10?

    .venv/bin/python -m eval.long_conversation [--conversations 3] [--messages 500] [--weeks 8]

Serves the model as `scripts/run` does (one worker per core, the SQLite stores), with a counting
relay on loopback between the Rasa server and the action server so the bytes Rasa posts for each
custom action are measured, not estimated. Then, in turn:
* ``--conversations`` chats of ``--messages`` messages in one sitting (harness/long_conversation.py's
  marathon: topics, storage questions, log entries, two troubleshooting runs, a request for a person),
  timing every message; p95 is taken over messages 1-20 ("message 10"), 90-110 and 490-510 of all
  the chats together;
* one chat of ``--weeks`` weeks (six log entries and a question a day, a check-in every three days),
  timing the first and the last simulated week.
Writes results/bench/long_conversation.json and .md; `make bench` runs it after the load benchmark.
"""
from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from harness import ROOT
from harness import long_conversation as lc
from harness.measure import percentile
from harness.server import Server, free_port, running_server

OUT = ROOT / "results" / "bench"
# The bar: p95 at message 500 at most 1.5 times p95 at message 10.
MAX_GROWTH = 1.5
# Messages either side of a named message number that count as "at" it: 21 per chat.
HALF_WINDOW = 10


class CountingRelay:
    """A loopback HTTP relay that forwards each POST to the action server and keeps (time, bytes)."""

    def __init__(self, port: int, target: str) -> None:
        self.calls: List[Tuple[float, int]] = []
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                relay.calls.append((time.monotonic(), len(body)))
                request = urllib.request.Request(target + self.path, data=body, method="POST",
                                                 headers={"Content-Type": self.headers.get("Content-Type", "")})
                try:
                    with urllib.request.urlopen(request, timeout=60) as resp:
                        status, answer = resp.status, resp.read()
                except urllib.error.HTTPError as err:
                    status, answer = err.code, err.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def bytes_during(self, turns: Sequence[lc.Turn]) -> List[int]:
        spans = [(t.started, t.ended) for t in turns]
        return [size for at, size in self.calls if any(a <= at <= b for a, b in spans)]

    def close(self) -> None:
        self.httpd.shutdown()


def around(turns: Sequence[lc.Turn], number: int) -> List[lc.Turn]:
    return [t for t in turns if abs(t.index - number) <= HALF_WINDOW]


def figures(turns: Sequence[lc.Turn], relay: CountingRelay) -> Dict[str, Any]:
    sizes = relay.bytes_during(turns)
    return {"messages": len(turns), "p50_ms": round(percentile([t.ms for t in turns], 50), 1),
            "p95_ms": round(percentile([t.ms for t in turns], 95), 1),
            "action_calls": len(sizes), "action_bytes_p50": int(percentile(sizes, 50)) if sizes else 0,
            "action_bytes_max": max(sizes, default=0)}


@contextlib.contextmanager
def served(tmp: Path) -> Iterator[Tuple[Server, CountingRelay]]:
    with running_server(tmp, {"CHECKIN_POLL_S": "0.5"}, with_actions=False) as srv:
        relay_port, srv.action_port = srv.action_port, free_port()
        srv.start_action_server(tmp / "actions.log")
        relay = CountingRelay(relay_port, f"http://127.0.0.1:{srv.action_port}")
        try:
            yield srv, relay
        finally:
            relay.close()


def measure(tmp: Path, conversations: int, messages: int, weeks: int) -> Dict[str, Any]:
    with served(tmp) as (srv, relay):
        lc.marathon(srv, 20)  # warm-up: each worker's first messages load lazily built parts
        runs = []
        for i in range(conversations):
            print(f"  chat {i + 1} of {conversations}: {messages} messages", flush=True)
            runs.append(lc.marathon(srv, messages + HALF_WINDOW))  # so the last window is centred on it
        marathon = {f"at message {n}": figures([t for r in runs for t in around(r.turns, n)], relay)
                    for n in sorted({10, 100, messages})}
        print(f"  {weeks} weeks of use", flush=True)
        start = time.monotonic()
        run = lc.weeks(srv, weeks)
        week_turns = len(run.turns) // weeks
        result = {"marathon": marathon, "weeks": {
            "first week": figures(run.turns[:week_turns], relay),
            "last week": figures(run.turns[-week_turns:], relay),
            "turns": len(run.turns), "wall_s": round(time.monotonic() - start, 1),
            "troubled": len(run.troubled())},
            "troubled": sum(len(r.troubled()) for r in runs)}
        tenth, last_key = marathon["at message 10"]["p95_ms"], list(marathon)[-1]
        result["growth_p95"] = round(marathon[last_key]["p95_ms"] / tenth, 2) if tenth else None
        result["weeks_growth_p95"] = round(result["weeks"]["last week"]["p95_ms"] /
                                           result["weeks"]["first week"]["p95_ms"], 2)
    return result


def markdown(result: Dict[str, Any]) -> str:
    lines = ["| where | messages | p50 ms | p95 ms | action calls | bytes per call, p50 | bytes per call, max |",
             "|---|---|---|---|---|---|---|"]
    rows = list(result["marathon"].items()) + [(f"weeks: {k}", v) for k, v in result["weeks"].items()
                                               if isinstance(v, dict)]
    for name, f in rows:
        lines.append(f"| {name} | {f['messages']} | {f['p50_ms']} | {f['p95_ms']} | {f['action_calls']} | "
                     f"{f['action_bytes_p50']} | {f['action_bytes_max']} |")
    lines += ["", f"p95 at the last message / p95 at message 10: {result['growth_p95']} (at most {MAX_GROWTH}); "
              f"last week / first week: {result['weeks_growth_p95']}; 'having trouble' answers: "
              f"{result['troubled'] + result['weeks']['troubled']}."]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=3)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(Path(tmp), args.conversations, args.messages, args.weeks)
    (OUT / "long_conversation.json").write_text(json.dumps(result, indent=2))
    text = markdown(result)
    (OUT / "long_conversation.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
