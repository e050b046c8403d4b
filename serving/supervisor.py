"""Run the Rasa server as one worker process per core behind one listening socket:
`python -m serving.supervisor --workers N --host H --port P -- run --model M --endpoints E ...`.

Why not Sanic's own workers (SANIC_WORKERS)? Sanic forks them from a main process that has already
imported Rasa, so that process holds a whole copy of Rasa's imports (545 MB with TensorFlow on
2026-11-29) only to watch its children. This one imports nothing beyond the standard library: it
binds the socket, starts each worker as a fresh interpreter that inherits it (`serving.worker`),
replaces a worker that dies (with a log line, and a growing wait if it keeps dying at start), and stops
them all together. The conversation locks that let any worker take any message live in the
tracker's database (`rasa_patches/sql_lock_store.py`).
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from serving import after_separator, logs
from serving.keepalive import RestartPolicy
from serving.worker import EXIT_NEEDS_TENSORFLOW, EXIT_SCHEMA_TOO_NEW, EXIT_UNSUPPORTED_RASA

# Rasa's own default for its listening queue (rasa.core.run, SANIC_BACKLOG).
DEFAULT_BACKLOG = 100
# A worker asked to stop gets this long to finish its messages before it is killed.
STOP_GRACE_S = 20
# A worker that dies is replaced, as gunicorn and PostgreSQL's postmaster replace theirs (the kernel's
# out-of-memory killer, a crash in a native library), by the rule serving.keepalive uses for the other
# processes (RestartPolicy): at once after a long run; after a death soon after the start (most likely
# it cannot start at all: a broken model, a port, a database down; loading takes about 10 s here) a
# growing wait, 2 s, 4 s, ... at most 30 s; and after three such failures in a row the supervisor gives
# up, so a service manager sees the failure.

# Exit codes after which a replacement would fail the same way.
FATAL_EXIT_CODES = frozenset({EXIT_NEEDS_TENSORFLOW, EXIT_UNSUPPORTED_RASA, EXIT_SCHEMA_TOO_NEW})


log = logging.getLogger("serving.supervisor")


class _Stop(Exception):
    pass


def listen(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def stop(children: List[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def metrics_directory() -> "tuple[Path, bool]":
    """Where the workers count their Prometheus metrics (serving/metrics.py), emptied for this run, and
    whether the supervisor made it (then it removes it at the end). A worker that is replaced leaves its
    counts there, so a scrape never sees a count go back."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # counts of an earlier run would be added to this one's
            stale.unlink()
        return path, False
    path = Path(tempfile.mkdtemp(prefix="pumping-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)  # the workers inherit it
    return path, True


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("rasa_args", nargs=argparse.REMAINDER, help="`rasa` arguments after --")
    args = parser.parse_args(argv)
    rasa_args = after_separator(args.rasa_args)
    logs.configure("rasa-supervisor")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    try:
        sock = listen(args.host, args.port, int(os.environ.get("SANIC_BACKLOG", DEFAULT_BACKLOG)))
    except OSError as err:
        log.error(f"The Rasa server cannot listen on {args.host}:{args.port}: {err.strerror}")
        return 2

    def on_signal(signum: int, frame: object) -> None:
        raise _Stop()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    counts, made_here = metrics_directory()
    command = [sys.executable, "-m", "serving.worker", "--fd", str(sock.fileno()), "--", *rasa_args]
    workers: Dict[int, "tuple[subprocess.Popen, float]"] = {}

    def start_worker() -> None:
        child = subprocess.Popen(command, pass_fds=(sock.fileno(),))
        workers[child.pid] = (child, time.monotonic())

    policy = RestartPolicy()
    try:
        for _ in range(args.workers):
            start_worker()
        # The socket stays open here: a replacement worker inherits it the way the first ones did.
        while True:
            pid, status = os.wait()
            if pid not in workers:
                continue
            _, started = workers.pop(pid)
            code, ran = os.waitstatus_to_exitcode(status), time.monotonic() - started
            if code in FATAL_EXIT_CODES:
                log.error(f"Rasa worker {pid} exited with code {code} (a replacement would fail the same way: "
                          f"see its message above); stopping.")
                return code
            delay = policy.after_exit(ran)
            if delay is None:
                log.error(f"Rasa worker {pid} exited with code {code} {ran:.0f} s after it started, the "
                          f"{policy.failures_at_start}th failure at start in a row; giving up.")
                return code if code != 0 else 1
            log.warning(f"Rasa worker {pid} exited with code {code} after {ran:.0f} s; starting a replacement"
                        + (f" in {delay:.0f} s" if delay else "") + ".")
            time.sleep(delay)
            start_worker()
    except _Stop:
        return 0
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the workers' shutdown short
        stop([child for child, _ in workers.values()])
        sock.close()
        if made_here:
            shutil.rmtree(counts, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
