"""One Rasa worker dying is not an outage: the supervisor replaces it while the other keeps answering
(real supervisor, real workers, real model; the kernel's out-of-memory killer is played by SIGKILL)."""
from __future__ import annotations

import os
import signal
import time
from typing import List

from harness.conversation import Conversation
from harness.measure import child_pids
from harness.server import running_server


def worker_pids(supervisor_pid: int) -> List[int]:
    return sorted(child_pids(supervisor_pid))


def wait_for_workers(supervisor_pid: int, count: int, not_in: List[int], timeout: float = 90) -> List[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = worker_pids(supervisor_pid)
        if len(pids) == count and not set(pids) & set(not_in):
            return pids
        time.sleep(0.5)
    raise AssertionError(f"the supervisor has workers {worker_pids(supervisor_pid)}, expected {count} new ones")


def test_a_killed_worker_is_replaced_and_no_message_goes_unanswered(tmp_path):
    with running_server(tmp_path, {}, workers=2) as srv:
        supervisor = next(p for p in srv.processes if "serving.supervisor" in " ".join(map(str, p.args)))
        first = worker_pids(supervisor.pid)
        assert len(first) == 2
        chat = Conversation(srv)
        sent = 0
        for victim in first:  # each original worker in turn
            os.kill(victim, signal.SIGKILL)
            for _ in range(6):  # the other worker answers meanwhile
                assert chat.say("how long can milk stay in the fridge"), "no answer while a worker was down"
                sent += 1
            replaced = wait_for_workers(supervisor.pid, 2, not_in=[victim])
            assert victim not in replaced and supervisor.poll() is None
        assert set(worker_pids(supervisor.pid)).isdisjoint(first)  # both replaced, the server never stopped
        assert chat.say("thanks") and supervisor.poll() is None
        sent += 1
        stored = [e for e in srv.events(chat.sender) if e.get("event") == "user"]
        assert len(stored) == sent  # every message stored once
        log = srv.log.read_text(errors="replace")
        assert log.count("starting a replacement") == 2
