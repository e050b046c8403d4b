"""Every process of `make run` logs in the one JSON format with LOG_FORMAT=json (serving/logs.py): the
real action server under keepalive, the Rasa server's supervisor and worker with the trained model,
the review app and its alert worker, started as scripts/run starts them. A conversation with a
distinctive id and text leaves lines that name it by the review app's pseudonym, and neither its id
nor its words anywhere in any output."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List

from harness import ROOT
from harness.measure import child_pids
from harness.server import free_port, model_path, stop_processes, wait_until_up
from review.privacy import pseudonym

KEYS = {"time", "level", "process", "logger", "message", "conversation", "exception"}
START_S = 300


def say(port: int, sender: str, text: str) -> List[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/webchat/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        return json.loads(resp.read())["messages"]


def start(name: str, command: List[str], env: Dict[str, str], tmp: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=(tmp / f"{name}.out").open("w"),
                            stderr=(tmp / f"{name}.err").open("w"), start_new_session=True)


def test_every_process_logs_json_lines_that_name_the_conversation_only_by_its_pseudonym(tmp_path):
    port, action_port, review_port = free_port(), free_port(), free_port()
    db = tmp_path / "rasa.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\ntracker_store:\n"
                         f"  type: rasa_patches.sql_tracker_store.PlainSQLTrackerStore\n  dialect: sqlite\n  db: {db}\n")
    key = tmp_path / "review-secret.key"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "LOG_FORMAT": "json",
           "LOG_LEVEL": "INFO", "SANIC_WORKERS": "1", "REVIEW_SECRET_FILE": str(key), "REVIEW_PORT": str(review_port),
           "REVIEW_TRACKER_URL": f"sqlite:///{db}", "REVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'review.db'}",
           "ALERT_POLL_SECONDS": "1", "SANIC_HOST": "127.0.0.1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    python = sys.executable
    processes = []
    try:
        # As scripts/run starts each of them.
        processes.append(start("actions", [python, "-m", "serving.keepalive", "--name", "The action server", "--",
                                           python, "-m", "rasa_patches", "run", "actions", "--actions", "actions",
                                           "--port", str(action_port), "--quiet"], env, tmp_path))
        wait_until_up(f"http://127.0.0.1:{action_port}/health", processes[-1], tmp_path / "actions.err", START_S)
        processes.append(start("rasa", [python, "-m", "serving.supervisor", "--workers", "1", "--host", "127.0.0.1",
                                        "--port", str(port), "--", "run", "--model", str(model_path()), "--endpoints",
                                        str(endpoints), "--credentials", str(ROOT / "credentials.yml"), "--interface",
                                        "127.0.0.1", "--port", str(port)], env, tmp_path))
        wait_until_up(f"http://127.0.0.1:{port}/webhooks/webchat/", processes[-1], tmp_path / "rasa.err", START_S)

        sender = f"zz-logtest-sender-{os.getpid()}-{int(time.time())}"
        said = ["my zebrafinch flange pinches when i pump", "how long can pumped milk stay in the fridge?",
                "please delete my conversation"]
        replies = [say(port, sender, text) for text in said]
        assert all(replies)
        yes = replies[-1][-1]["buttons"][0]["payload"]  # erasing logs a line about the conversation
        say(port, sender, yes)

        processes.append(start("review", [python, "-m", "review", "serve", "--port", str(review_port)], env, tmp_path))
        wait_until_up(f"http://127.0.0.1:{review_port}/healthz", processes[-1], tmp_path / "review.err", START_S)
        processes.append(start("alerts", [python, "-m", "review", "alerts"], env, tmp_path))
        # keepalive and the supervisor speak when what they keep dies.
        for keeper in processes[:2]:
            os.kill(child_pids(keeper.pid)[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(
                b"exited with code -9" in (tmp_path / f"{n}.err").read_bytes() for n in ("actions", "rasa")):
            time.sleep(0.5)
        time.sleep(2)  # and a few rounds of the alert worker
        assert all(p.poll() is None for p in processes)
    finally:
        stop_processes(processes)

    name = pseudonym(key.read_text().strip().encode(), sender)
    records: Dict[str, List[dict]] = {}
    for output in sorted(tmp_path.glob("*.out")) + sorted(tmp_path.glob("*.err")):
        text = output.read_text()
        assert sender not in text and "zebrafinch" not in text and "delete my conversation" not in text, output.name
        for line in text.splitlines():
            record = json.loads(line)  # every line of every output is one JSON object
            assert set(record) == KEYS, (output.name, line)
            records.setdefault(record["process"], []).append(record)
    assert set(records) == {"keepalive", "action-server", "rasa-supervisor", "rasa-server", "review", "review-alerts"}
    assert any("exited with code -9" in r["message"] for r in records["keepalive"])
    assert any("exited with code -9" in r["message"] for r in records["rasa-supervisor"])
    erased = [r for r in records["rasa-server"] if "erased at the parent's request" in r["message"]]
    assert len(erased) == 1 and erased[0]["conversation"] == name
    assert {r["conversation"] for rs in records.values() for r in rs} <= {None, name}
    assert any("staff review app on" in r["message"] for r in records["review"])
