"""Running the real assistant for tests and measurements: plain Python, no pytest.

- `harness.server`: the real Rasa server and action server on free loopback ports, each run with
  its own SQLite tracker store; free ports; waiting for a server to answer.
- `harness.conversation`: a parent's conversation over the web chat webhook.
- `harness.platforms`: Telegram's, Meta's and Twilio's APIs stood in for on loopback, and the
  channel settings that point the server at them.
- `harness.measure`: percentiles, process memory and CPU time, shared by the benchmarks.

`tests/` (its fixtures) and `eval/` (the measurements) both use these; neither imports the other.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
