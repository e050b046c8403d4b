"""Run the Rasa server as one worker process per core behind one listening socket:
`python -m serving.supervisor --workers N --host H --port P -- run --model M --endpoints E ...`.

Why not Sanic's own workers (SANIC_WORKERS)? Sanic forks them from a main process that has already
imported Rasa, so that process holds a whole copy of Rasa's imports (545 MB with TensorFlow on
2026-11-29) only to watch its children. This one imports nothing beyond the standard library: it
binds the socket, starts each worker as a fresh interpreter that inherits it (`serving.worker`), and
stops them all together. The conversation locks that let any worker take any message live in the
tracker's database (`rasa_patches/sql_lock_store.py`).
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from typing import List, Optional

from serving import after_separator

# Rasa's own default for its listening queue (rasa.core.run, SANIC_BACKLOG).
DEFAULT_BACKLOG = 100
# A worker asked to stop gets this long to finish its messages before it is killed.
STOP_GRACE_S = 20


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


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("rasa_args", nargs=argparse.REMAINDER, help="`rasa` arguments after --")
    args = parser.parse_args(argv)
    rasa_args = after_separator(args.rasa_args)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    try:
        sock = listen(args.host, args.port, int(os.environ.get("SANIC_BACKLOG", DEFAULT_BACKLOG)))
    except OSError as err:
        print(f"The Rasa server cannot listen on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
        return 2

    def on_signal(signum: int, frame: object) -> None:
        raise _Stop()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    children: List[subprocess.Popen] = []
    try:
        for _ in range(args.workers):
            children.append(subprocess.Popen(
                [sys.executable, "-m", "serving.worker", "--fd", str(sock.fileno()), "--", *rasa_args],
                pass_fds=(sock.fileno(),)))
        sock.close()  # the workers hold it now
        while True:  # the first worker to exit ends the server: half a server would hide the failure
            pid, status = os.wait()
            code = os.waitstatus_to_exitcode(status)
            print(f"Rasa worker {pid} exited with code {code}; stopping the others.", file=sys.stderr)
            return code if code != 0 else 1
    except _Stop:
        return 0
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the workers' shutdown short
        stop(children)


if __name__ == "__main__":
    sys.exit(main())
