"""Hostile input, concurrency, a dead action server and a restart: nothing is lost, no 5xx."""
import json
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from channels.common import trouble_text
from coach.knowledge import knowledge_base
from coach.prompts import PROMPTS
from harness.conversation import Conversation
from harness.measure import child_pids, tree_memory_mb
from harness.server import ROOT, default_workers, running_server

FLANGE_ANSWER = knowledge_base().entry("flange_fit").text



ODD_INPUTS = [
    "", "   ", "\n\t", "x" * 100_000, "🍼" * 50, "שלום, אין לי חלב", "\u200b\u200c\u200d", "مرحبا\u200f",
    "/restart", "/inform{\"red_flag\": null}", '/greet{"pump_type":"manual"}', "\x00\x01", "<script>alert(1)</script>",
    "Ω≈ç√∫˜µ≤≥÷", "' OR 1=1 --", "%s%s%s%n", "{{7*7}}", "ＡＢＣ full-width",
]


def test_odd_input_never_breaks_the_conversation(server):
    chat = Conversation(server)
    for text in ODD_INPUTS:
        status, body = server.post(json.dumps({"sender": chat.sender, "message": text}).encode())
        assert status in (200, 400, 413), (text[:20], status, body)
        if status == 200:
            assert body["messages"] and all(isinstance(m.get("text"), str) for m in body["messages"])
    for body in (b"", b"null", b"{", b'{"sender": 1}', b"\xff\xfe",
                 b'{"sender": "' + b"a" * 32 + b'", "message": ["x"]}'):
        status, _ = server.post(body)
        assert status == 400, body
    chat.say("how should my flange fit?")
    assert FLANGE_ANSWER in chat.text
    slots = chat.slots()
    assert slots.get("red_flag") is None and slots.get("pump_type") != "manual"


def fifty_concurrent_messages_to_one_conversation(server):
    chat = Conversation(server)
    texts = [f"thanks so much {i}" for i in range(50)]

    def send(text):
        return server.post(json.dumps({"sender": chat.sender, "message": text}).encode())

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(send, texts))
    assert all(status == 200 and body["messages"] for status, body in results)
    events = server.events(chat.sender)
    users = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(users) == sorted(texts)
    # Processed one at a time: every user message is followed by its own answer before the next one.
    kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
    for i, kind in enumerate(kinds):
        if kind == "user":
            assert i + 1 < len(kinds) and kinds[i + 1] == "bot", "a message went unanswered or answers interleaved"


def _workers(server) -> "list[int]":
    return child_pids(server.processes[1].pid)  # the supervisor's children


def test_the_server_runs_a_worker_per_core_as_scripts_run_does(server):
    # Otherwise the next test would not be testing the lock store shared by several workers.
    assert tree_memory_mb(server.processes[1].pid)["processes"] == 1 + default_workers()
    assert len(_workers(server)) == default_workers()


def test_no_worker_loads_tensorflow(server):
    # What makes a worker 300 MB instead of 640 (rasa_patches/no_tensorflow.py): no TensorFlow library is
    # mapped into any process of the server, yet it answers (the whole suite runs against it).
    for pid in [server.processes[1].pid, *_workers(server)]:
        maps = Path(f"/proc/{pid}/maps").read_text()
        assert "libtensorflow" not in maps and "_pywrap_tensorflow" not in maps, pid


def test_workers_that_cannot_start_make_the_supervisor_give_up():
    # A dead worker is replaced (tests/integration/test_worker_restart.py); one that dies at every start
    # would be replaced forever, so after three failures at start the supervisor exits non-zero for
    # whoever watches it, and leaves no worker behind.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "serving.supervisor", "--workers", "2", "--port", str(port), "--",
                             "run", "--no-such-option"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.count("starting a replacement") == 2 and "giving up" in result.stderr
    assert time.monotonic() - started < 60
    assert not [line for line in subprocess.run(["pgrep", "-f", f"--port {port}"], capture_output=True,
                                                text=True).stdout.split() if line]


def test_fifty_concurrent_messages_to_one_conversation(server):
    fifty_concurrent_messages_to_one_conversation(server)  # the session server: a worker per core


def test_fifty_concurrent_messages_to_one_conversation_in_one_process(tmp_path):
    with running_server(tmp_path, {}, workers=1) as srv:  # one worker, Rasa's in-memory lock store
        fifty_concurrent_messages_to_one_conversation(srv)


def test_action_server_down_gets_a_kind_answer_and_recovers(tmp_path):
    with running_server(tmp_path, {}) as srv:
        chat = Conversation(srv)
        chat.say("hello")
        action = srv.processes[0]
        action.terminate()
        action.wait(timeout=20)
        chat.say("how should my flange fit?")
        assert chat.text == trouble_text()
        srv.start_action_server(tmp_path / "actions-again.log")
        chat.say("how should my flange fit?")
        assert FLANGE_ANSWER in chat.text
        users = [e["text"] for e in srv.events(chat.sender) if e["event"] == "user"]
        assert users == ["hello", "how should my flange fit?", "how should my flange fit?"]  # nothing lost


def test_restart_mid_troubleshooting_resumes_from_the_store(tmp_path):
    sender = uuid.uuid4().hex
    with running_server(tmp_path, {}) as srv:
        chat = Conversation(srv, sender=sender)
        chat.say("i barely get anything when i pump")
        first = chat.asked_question()
        assert first
    with running_server(tmp_path, {}) as srv:  # same SQLite file, new processes
        chat = Conversation(srv, sender=sender)
        title, value = PROMPTS[first].options[0]
        chat.say(title)
        assert chat.slots()[first] == value
        assert chat.asked_question() not in (None, first) or "most likely going on" in chat.text
