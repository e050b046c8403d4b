"""Shared fixtures: one real Rasa server and action server per test session, on loopback.

Each test talks to them over HTTP like the web page does, with its own random conversation id, and
reads what was stored from the session's own temporary SQLite tracker store.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Loading a Rasa model takes 20-40 s on 2 cores; allow for a slow CI machine.
SERVER_START_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-4000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {timeout} s:\n{log.read_text()[-4000:]}")


@dataclass
class Server:
    base_url: str
    db_path: Path
    processes: List[subprocess.Popen] = field(default_factory=list)

    @property
    def webchat(self) -> str:
        return f"{self.base_url}/webhooks/webchat"

    def post(self, body: bytes, content_type: str = "application/json") -> "tuple[int, Dict[str, Any]]":
        request = urllib.request.Request(f"{self.webchat}/webhook", data=body, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def get_json(self, path: str) -> "tuple[int, Dict[str, Any]]":
        try:
            with urllib.request.urlopen(f"{self.webchat}{path}", timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def events(self, sender: str) -> List[Dict[str, Any]]:
        # Read-only, like the clinic's review tools: what Rasa stored, not what it said.
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
        return [json.loads(data) for (data,) in rows]


@dataclass
class Conversation:
    server: Server
    sender: str = field(default_factory=lambda: uuid.uuid4().hex)
    replies: List[Dict[str, Any]] = field(default_factory=list)

    def say(self, text: str) -> List[Dict[str, Any]]:
        status, body = self.server.post(json.dumps({"sender": self.sender, "message": text}).encode())
        assert status == 200, (status, body)
        self.replies = body["messages"]
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.replies)

    @property
    def buttons(self) -> List[str]:
        return [b["title"] for m in self.replies for b in (m.get("buttons") or [])]

    def slots(self) -> Dict[str, Any]:
        values: Dict[str, Any] = {}
        for event in self.server.events(self.sender):
            if event.get("event") == "slot":
                values[event["name"]] = event.get("value")
        return values


def model_path() -> Path:
    return ROOT / subprocess.check_output([str(ROOT / "scripts" / "model-path")], text=True).strip()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    model = model_path()
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run `make train` (make test does it for you)")
    tmp = tmp_path_factory.mktemp("rasa-server")
    port, action_port = free_port(), free_port()
    db_path = tmp / "rasa.db"
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db_path}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    bin_dir = Path(sys.executable).parent
    action_log, rasa_log = tmp / "actions.log", tmp / "rasa.log"
    action = subprocess.Popen(
        [str(bin_dir / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
        cwd=ROOT, env=env, stdout=action_log.open("w"), stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [str(bin_dir / "rasa"), "run", "--model", str(model), "--endpoints", str(endpoints), "--credentials",
         str(ROOT / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
    )
    srv = Server(f"http://127.0.0.1:{port}", db_path, [action, rasa])
    try:
        _wait_until_up(f"http://127.0.0.1:{action_port}/health", action, action_log, SERVER_START_TIMEOUT_S)
        _wait_until_up(f"{srv.webchat}/", rasa, rasa_log, SERVER_START_TIMEOUT_S)
        yield srv
    finally:
        for proc in srv.processes:
            proc.terminate()
        for proc in srv.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def chat(server: Server) -> Conversation:
    return Conversation(server)


# Questions asked before each diagnosis in the scenario tests, for the summary at the end.
QUESTION_COUNTS: List[int] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if QUESTION_COUNTS:
        counts = sorted(QUESTION_COUNTS)
        median = counts[len(counts) // 2] if len(counts) % 2 else (counts[len(counts) // 2 - 1] + counts[len(counts) // 2]) / 2
        terminalreporter.write_line(
            f"troubleshooting scenarios: {len(counts)} diagnoses, questions asked median {median}, max {counts[-1]}"
        )
