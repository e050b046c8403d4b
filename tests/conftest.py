"""Shared fixtures: one real Rasa server and action server per test session, on loopback.

Each test talks to them over HTTP like the web page does, with its own random conversation id, and
reads what was stored from the session's own temporary SQLite tracker store.
"""
from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from coach.prompts import SLOT_BY_TEXT

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
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "rasa"), "run", "actions", "--actions", "actions", "--port",
             str(self.action_port)], cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.processes.append(proc)
        _wait_until_up(f"http://127.0.0.1:{self.action_port}/health", proc, log, SERVER_START_TIMEOUT_S)
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

    def say(self, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        payload: Dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata:
            payload["metadata"] = metadata
        status, body = self.server.post(json.dumps(payload).encode())
        assert status == 200, (status, body)
        self.replies = body["messages"]
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.replies)

    def asked_question(self) -> Optional[str]:
        """The troubleshooting or storage question in the latest replies, if any."""
        return next((SLOT_BY_TEXT[m["text"]] for m in reversed(self.replies) if m.get("text") in SLOT_BY_TEXT), None)

    @property
    def buttons(self) -> List[str]:
        return [b["title"] for m in self.replies for b in (m.get("buttons") or [])]

    def slots(self) -> Dict[str, Any]:
        values: Dict[str, Any] = {}
        for event in self.server.events(self.sender):
            if event.get("event") == "slot":
                values[event["name"]] = event.get("value")
        return values


class FakePlatform:
    """Telegram's, Meta's and Twilio's APIs stood in for on loopback: records every call it gets.

    ``fail_next[fragment] = n`` makes the next n calls whose path contains ``fragment`` answer 503.
    """

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.fail_next: Dict[str, int] = {}
        self.lock = threading.Lock()
        platform = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "json" in (self.headers.get("Content-Type") or ""):
                    body: Any = json.loads(raw or b"null")
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                with platform.lock:
                    for fragment, left in platform.fail_next.items():
                        if fragment in self.path and left > 0:
                            platform.fail_next[fragment] = left - 1
                            platform.calls.append({"path": self.path, "body": body, "failed": True})
                            self.send_response(503)
                            self.end_headers()
                            return
                    platform.calls.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                reply = {"ok": True, "result": True, "messages": [{"id": "wamid.out"}], "sid": "SMout"}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def calls_to(self, fragment: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [c for c in self.calls if fragment in c["path"] and not c.get("failed")]


# Channel settings for the test server: every platform API points at the FakePlatform.
TWILIO_PUBLIC_URL = "https://bot.example.org/webhooks/twilio/webhook"
CHANNEL_ENV = {
    "TELEGRAM_TOKEN": "123:TEST", "TELEGRAM_SECRET_TOKEN": "s3cret-Token_1", "TELEGRAM_BOT_NAME": "pumping_test_bot",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
    "WHATSAPP_ACCESS_TOKEN": "wa-access", "WHATSAPP_APP_SECRET": "wa-app-secret", "WHATSAPP_VERIFY_TOKEN": "wa-verify",
    "WHATSAPP_PHONE_NUMBER_ID": "1055",
    "TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "tw-auth-token", "TWILIO_WHATSAPP_NUMBER": "whatsapp:+15550001111",
    "TWILIO_WEBHOOK_URL": TWILIO_PUBLIC_URL,
}


@pytest.fixture(scope="session")
def fake_platform() -> Iterator[FakePlatform]:
    platform = FakePlatform()
    yield platform
    platform.httpd.shutdown()


def model_path() -> Path:
    return ROOT / subprocess.check_output([str(ROOT / "scripts" / "model-path")], text=True).strip()


@contextlib.contextmanager
def running_server(tmp: Path, extra_env: Dict[str, str], with_actions: bool = True,
                   model: Optional[Path] = None) -> Iterator[Server]:
    """A real `rasa run` (and action server) on free loopback ports, with its own SQLite store."""
    model = model or model_path()
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run `make train` (make test does it for you)")
    port, action_port = free_port(), free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    db_path = tmp / "rasa.db"
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db_path}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
           "TF_CPP_MIN_LOG_LEVEL": "3", "SANIC_REQUEST_MAX_SIZE": "65536", **extra_env}
    rasa_bin = str(Path(sys.executable).parent / "rasa")
    srv = Server(f"http://127.0.0.1:{port}", db_path, [])
    srv.action_port, srv.env = action_port, env
    try:
        if with_actions:
            srv.start_action_server(tmp / "actions.log")
        srv.log = tmp / "rasa.log"
        rasa = subprocess.Popen(
            [rasa_bin, "run", "--model", str(model), "--endpoints", str(endpoints), "--credentials",
             str(ROOT / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=srv.log.open("w"), stderr=subprocess.STDOUT,
        )
        srv.processes.append(rasa)
        _wait_until_up(f"{srv.webchat}/", rasa, srv.log, SERVER_START_TIMEOUT_S)
        yield srv
    finally:
        for proc in srv.processes:
            proc.terminate()
        for proc in srv.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, fake_platform: FakePlatform) -> Iterator[Server]:
    platform_urls = {"TELEGRAM_API_URL": fake_platform.url, "WHATSAPP_API_URL": f"{fake_platform.url}/v19.0",
                     "TWILIO_API_URL": fake_platform.url}
    with running_server(tmp_path_factory.mktemp("rasa-server"), {**CHANNEL_ENV, **platform_urls}) as srv:
        yield srv


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a root, sandbox-less machine with no network beyond loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# Module scope, not session: while Playwright's sync API is open its event loop counts as running,
# and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser():
    """A headless Debian Chromium for a module's browser tests (web chat, staff review)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package")
    # Importing Rasa (elsewhere in this session) installs uvloop's event-loop policy, under which
    # Playwright never hears back from its driver process: use asyncio's own loop for the browser.
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


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
