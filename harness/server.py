"""The real Rasa server and action server on free loopback ports, each run with its own SQLite store.

`running_server` is what the tests' `server` fixture, the robustness tests and the measurements in
eval/ start; `Server` is how they talk to it over HTTP and read what it stored.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional

from harness import ROOT

# Loading a Rasa model takes 20-40 s on 2 cores; allow for a slow CI machine.
SERVER_START_TIMEOUT_S = 300
RASA = str(Path(sys.executable).parent / "rasa")
# scripts/run's body limits: 64 KB on the public webhooks, Sanic's default 100 MB on the action server.
PUBLIC_REQUEST_MAX_SIZE = "65536"
ACTION_REQUEST_MAX_SIZE = "104857600"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float, poll: float = 0.5) -> None:
    """Returns once `url` answers 2xx/3xx; RuntimeError with the log's tail if `proc` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-4000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except (urllib.error.URLError, OSError):
            time.sleep(poll)
    raise RuntimeError(f"{url} not up after {timeout} s:\n{log.read_text()[-4000:]}")


def stop_processes(processes: Iterable[subprocess.Popen], timeout: float = 20) -> None:
    """Asks every process to stop, then kills any that has not within `timeout` seconds."""
    processes = list(processes)
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:  # the Rasa server runs in its own process group: its workers go with it
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait()


def _json_or_text(raw: bytes) -> Dict[str, Any]:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {"text": raw.decode(errors="replace")}


@dataclass
class Server:
    base_url: str
    db_path: Path
    processes: List[subprocess.Popen] = field(default_factory=list)
    log: Optional[Path] = None
    action_port: int = 0
    env: Dict[str, str] = field(default_factory=dict)

    def start_action_server(self, log: Path) -> subprocess.Popen:
        # As scripts/run: the public webhooks' body limit does not apply to the action server.
        env = {**self.env, "SANIC_REQUEST_MAX_SIZE": self.env.get("ACTION_REQUEST_MAX_SIZE", ACTION_REQUEST_MAX_SIZE)}
        proc = subprocess.Popen(
            [RASA, "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.processes.append(proc)
        wait_until_up(f"http://127.0.0.1:{self.action_port}/health", proc, log, SERVER_START_TIMEOUT_S)
        return proc

    @property
    def webchat(self) -> str:
        return f"{self.base_url}/webhooks/webchat"

    def post(self, body: bytes, content_type: str = "application/json", path: str = "/webhooks/webchat/webhook",
             headers: Optional[Dict[str, str]] = None) -> "tuple[int, Dict[str, Any]]":
        request = urllib.request.Request(f"{self.base_url}{path}", data=body,
                                         headers={"Content-Type": content_type, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            return err.code, _json_or_text(err.read())
        return resp.status, _json_or_text(raw)

    def get_json(self, path: str) -> "tuple[int, Dict[str, Any]]":
        try:
            with urllib.request.urlopen(f"{self.webchat}{path}", timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def age_conversation(self, sender: str, seconds: float) -> None:
        """What ``seconds`` without messages look like in the store: every event of the conversation
        that much older (the stored time and the one inside the event), every other one untouched."""
        with sqlite3.connect(self.db_path, timeout=30) as db:
            db.execute("UPDATE events SET timestamp = timestamp - ?, data = json_set(data, '$.timestamp', "
                       "json_extract(data, '$.timestamp') - ?) WHERE sender_id = ?", (seconds, seconds, sender))

    def events(self, sender: str) -> List[Dict[str, Any]]:
        # Read-only, like the clinic's review tools: what Rasa stored, not what it said.
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
        return [json.loads(data) for (data,) in rows]


def model_path() -> Path:
    """The trained model for the current data (scripts/model-path names it by a hash of its inputs)."""
    return ROOT / subprocess.check_output([str(ROOT / "scripts" / "model-path")], text=True).strip()


def default_workers() -> int:
    """As scripts/run: one Rasa worker per core, at most 4."""
    return min(len(os.sched_getaffinity(0)), 4)


@contextlib.contextmanager
def running_server(tmp: Path, extra_env: Dict[str, str], with_actions: bool = True,
                   model: Optional[Path] = None, workers: Optional[int] = None, stock: bool = False,
                   db_path: Optional[Path] = None) -> Iterator[Server]:
    """A real Rasa server (and action server) on free loopback ports, with its own SQLite store.

    Served as `scripts/run` serves it: `serving.supervisor` with ``workers`` worker processes (by
    default one per core, with the lock store in the same SQLite file, as endpoints.yml has it; 1
    gives one worker and Rasa's in-memory lock store). ``stock`` serves it with Rasa's own `rasa run`
    instead (one process, TensorFlow loaded, Rasa's own stores), as the bench serves the baseline;
    ``workers`` does not apply then. ``db_path``: another server's SQLite file, for two servers on one store.
    """
    model = model or model_path()
    workers = 1 if stock else default_workers() if workers is None else workers
    if not model.exists():
        raise FileNotFoundError(f"no trained model at {model}: run `make train` (make test does it for you)")
    port, action_port = free_port(), free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    db_path = db_path or tmp / "rasa.db"
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        f"tracker_store:\n  type: {'SQL' if stock else 'rasa_patches.sql_tracker_store.PlainSQLTrackerStore'}\n"
        f"  dialect: sqlite\n  db: {db_path}\n"
        + (f"lock_store:\n  type: rasa_patches.sql_lock_store.SQLLockStore\n  dialect: sqlite\n  db: {db_path}\n"
           if workers > 1 else "")
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
           "TF_CPP_MIN_LOG_LEVEL": "3", "SANIC_REQUEST_MAX_SIZE": PUBLIC_REQUEST_MAX_SIZE, "SANIC_WORKERS": str(workers),
           **extra_env}
    srv = Server(f"http://127.0.0.1:{port}", db_path, [])
    srv.action_port, srv.env = action_port, env
    try:
        if with_actions:
            srv.start_action_server(tmp / "actions.log")
        srv.log = tmp / "rasa.log"
        run_args = ["run", "--model", str(model), "--endpoints", str(endpoints), "--credentials",
                    str(ROOT / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(port)]
        command = [RASA, *run_args] if stock else [
            sys.executable, "-m", "serving.supervisor", "--workers", str(workers), "--host", "127.0.0.1",
            "--port", str(port), "--", *run_args]
        rasa = subprocess.Popen(command, cwd=ROOT, env=env, stdout=srv.log.open("w"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        srv.processes.append(rasa)
        wait_until_up(f"{srv.webchat}/", rasa, srv.log, SERVER_START_TIMEOUT_S)
        yield srv
    finally:
        stop_processes(srv.processes)
