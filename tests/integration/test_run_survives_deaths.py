"""`scripts/run --review` as a clinic runs it (real Rasa server, action server, review app and alert
worker): killing the action server, the review app or the alert worker (as the kernel's out-of-memory
killer would) is not an outage. Each comes back by itself; a message caught while the action server is
down gets the "trouble, please resend" answer, never silence; and stopping the run stops everything."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, List, Optional

from channels.common import trouble_text
from harness import ROOT
from harness.measure import child_pids
from harness.server import free_port, model_path

VERSION = (ROOT / "VERSION").read_text().strip()

# Loading the model and Rasa's imports take 20-60 s on a small machine.
START_S = 300


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=3)
        return True
    except (urllib.error.URLError, OSError):
        return False


def wait(what: str, ok: Callable[[], bool], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {seconds} s:\n{log.read_text(errors='replace')[-4000:]}")


def descendants(pid: int) -> List[int]:
    found, todo = [], [pid]
    while todo:
        for child in child_pids(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kept(run_pid: int, name: str) -> Optional[int]:
    """The pid of the process serving.keepalive keeps under ``name`` (None while it waits to restart it)."""
    for pid in descendants(run_pid):
        if "serving.keepalive" in cmdline(pid) and f"--name {name}" in cmdline(pid):
            children = child_pids(pid)
            return children[0] if children else None
    raise AssertionError(f"no keepalive for {name!r}")


def say(port: int, sender: str, text: str) -> List[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/webchat/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return json.loads(resp.read())["messages"]
    except urllib.error.HTTPError as err:
        return json.loads(err.read() or b"{}").get("messages") or []


def test_a_killed_process_comes_back_and_stopping_the_run_stops_all(tmp_path):
    port, action_port, review_port = free_port(), free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:5055/webhook\ntracker_store:\n"
                         f"  type: rasa_patches.sql_tracker_store.PlainSQLTrackerStore\n  dialect: sqlite\n"
                         f"  db: {tmp_path / 'rasa.db'}\n")
    env = {**os.environ, "SANIC_WORKERS": "1", "REVIEW_PORT": str(review_port),
           "REVIEW_TRACKER_URL": f"sqlite:///{tmp_path / 'rasa.db'}",
           "REVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'review.db'}",
           "REVIEW_SECRET_FILE": str(tmp_path / "review-secret.key"), "ALERT_POLL_SECONDS": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    assert model_path().exists()
    log = tmp_path / "run.log"
    run = subprocess.Popen([str(ROOT / "scripts" / "run"), "--review", "--port", str(port), "--action-port",
                            str(action_port), "--endpoints", str(endpoints)], cwd=ROOT, env=env,
                           stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # The banner names the version (CHANGELOG.md), as a clinic's IT person reads it after an upgrade.
        wait("the run to be ready", lambda: f"The pumping coach {VERSION} is ready" in log.read_text(errors="replace"),
             START_S, log)
        sender = f"survivor-{os.getpid()}-{int(time.time())}"
        assert say(port, sender, "what flange size should i be using")  # an answer from the action server

        # The action server dies: a message meanwhile gets the trouble answer or a real one, never
        # silence, and the action server is back within seconds.
        os.kill(kept(run.pid, "The action server"), signal.SIGKILL)
        caught = say(port, sender, "which pump should i buy, manual or electric?")
        assert caught, "a message got no answer while the action server was down"
        assert all(m.get("text") for m in caught)
        wait("the action server to be back", lambda: answers(f"http://127.0.0.1:{action_port}/health"), 120, log)
        back = say(port, sender, "what flange size should i be using")
        assert back and trouble_text() not in " ".join(m.get("text") or "" for m in back)
        # Every message is stored once, the one caught while the action server was down too.
        with sqlite3.connect(f"file:{tmp_path / 'rasa.db'}?mode=ro", uri=True) as db:
            stored = [row[0] for row in db.execute(
                "SELECT json_extract(data, '$.text') FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                (sender,))]
        assert stored == ["what flange size should i be using", "which pump should i buy, manual or electric?",
                          "what flange size should i be using"]

        # The review app and the alert worker die: both come back.
        review = kept(run.pid, "The review app")
        os.kill(review, signal.SIGKILL)
        wait("the review app to be back", lambda: kept(run.pid, "The review app") not in (None, review)
             and answers(f"http://127.0.0.1:{review_port}/healthz"), 120, log)
        alerts = kept(run.pid, "The alert worker")
        os.kill(alerts, signal.SIGKILL)
        wait("the alert worker to be back", lambda: kept(run.pid, "The alert worker") not in (None, alerts), 60, log)
        text = log.read_text(errors="replace")
        for name in ("The action server", "The review app", "The alert worker"):
            assert f"{name} exited with code -9" in text and "starting it again" in text
        assert run.poll() is None  # the run never stopped
    finally:
        everything = [run.pid, *descendants(run.pid)]
        # As a service manager stops it: SIGTERM to the script alone, whose trap stops what it started.
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    time.sleep(1)
    left = [pid for pid in everything if Path(f"/proc/{pid}").exists() and "zombie" not in
            Path(f"/proc/{pid}/status").read_text(errors="replace").lower()]
    assert left == [], [cmdline(p) for p in left]
