"""Keep one process running: `python -m serving.keepalive --name "the action server" -- COMMAND ...`.

`make run` starts the action server, the review app and the alert worker under it, as the Rasa
workers run under `serving.supervisor`: a process that dies (the kernel's out-of-memory killer, a
crash in a native library) is started again, with a log line, while the rest of the assistant goes on.
The same rule as the supervisor's (`RestartPolicy`): one that had run a while is restarted at once;
one that keeps dying soon after its start most likely cannot start at all (a port taken, a database
down), so the wait grows (2 s, 4 s, ... 30 s) and after three such failures in a row keepalive gives up
and exits with the process's code, which a service manager then sees.

SIGTERM, SIGINT and SIGHUP are passed on to the process, and keepalive exits with it. The standard
library only, like the supervisor.
"""
from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import List, Optional

from serving import after_separator, logs

# As the supervisor's Rasa workers (serving/supervisor.py): loading the slowest of these (the action
# server, importing Rasa) takes about 10 s here.
START_WINDOW_S = 60.0
MAX_FAILURES_AT_START = 3
BACKOFF_S = 2.0
MAX_BACKOFF_S = 30.0
# A process asked to stop gets this long before it is killed.
STOP_GRACE_S = 20


@dataclass
class RestartPolicy:
    """When to start a process again after it exited, and when to give up."""
    start_window_s: float = START_WINDOW_S
    max_failures_at_start: int = MAX_FAILURES_AT_START
    backoff_s: float = BACKOFF_S
    max_backoff_s: float = MAX_BACKOFF_S
    failures_at_start: int = 0

    def after_exit(self, ran_s: float) -> Optional[float]:
        """The wait before the next start, or None to give up."""
        self.failures_at_start = self.failures_at_start + 1 if ran_s < self.start_window_s else 0
        if self.failures_at_start >= self.max_failures_at_start:
            return None
        if not self.failures_at_start:
            return 0.0
        return min(self.max_backoff_s, self.backoff_s * 2 ** (self.failures_at_start - 1))


log = logging.getLogger("serving.keepalive")


class _Stop(Exception):
    pass


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="the process", help="what the log lines call it")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = after_separator(args.command)
    logs.configure("keepalive")
    if not command:
        parser.error("give the command to keep running after --")
    child: Optional[subprocess.Popen] = None

    def on_signal(signum: int, frame: object) -> None:
        raise _Stop()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    policy = RestartPolicy()
    try:
        while True:
            started = time.monotonic()
            child = subprocess.Popen(command)
            code = child.wait()
            ran = time.monotonic() - started
            delay = policy.after_exit(ran)
            if delay is None:
                log.error(f"{args.name} exited with code {code} {ran:.0f} s after it started, the "
                          f"{policy.failures_at_start}th failure at start in a row; giving up.")
                return code if code != 0 else 1
            log.warning(f"{args.name} exited with code {code} after {ran:.0f} s; starting it again"
                        + (f" in {delay:.0f} s" if delay else "") + ".")
            time.sleep(delay)
    except _Stop:
        return 0
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


if __name__ == "__main__":
    sys.exit(main())
