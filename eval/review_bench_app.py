"""The review benchmark's use of the running app: `review serve` started and stopped, a logged-in HTTP
client, and each page timed over real HTTP."""
from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from harness import ROOT
from harness.measure import percentile
from harness.server import stop_processes, wait_until_up
from review.settings import Settings

SERVER_START_TIMEOUT_S = 180  # `serve` migrates and indexes before listening; the index is already built
SEARCH_WORD = "nipple"  # in flange-fit, lubricant and red-flag messages: about a fifth of the conversations


def start_server(settings: Settings, port: int, log: Path) -> subprocess.Popen:
    """`python -m review serve` (waitress) on 127.0.0.1:`port`, returned once /healthz answers."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_TRACKER_URL": settings.tracker_url,
           "REVIEW_DATABASE_URL": settings.database_url, "REVIEW_SECRET_FILE": str(settings.secret_file),
           "REVIEW_PORT": str(port), "REVIEW_HOST": "127.0.0.1",
           "PYTHONWARNINGS": "ignore::DeprecationWarning", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "review", "serve"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc, log, SERVER_START_TIMEOUT_S, poll=0.2)
    except RuntimeError as err:
        stop_server(proc)
        raise SystemExit(f"the review app did not start: {err}") from None
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    stop_processes([proc], timeout=15)


class Browser:
    """A keep-alive HTTP client that keeps cookies by hand (the session cookie is Secure, so cookie jars
    would not send it over plain http)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: Dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, form: Optional[Dict[str, str]] = None) -> Tuple[int, str, float]:
        """Status, body and milliseconds from sending the request to having read the whole answer."""
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                elapsed = (time.perf_counter() - started) * 1000
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect (outside the timing) once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        for header in resp.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return resp.status, text, elapsed

    def log_in(self, username: str, password: str) -> None:
        status, page, _ = self.request("GET", "/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not match:
            raise SystemExit(f"no login form (HTTP {status})")
        status, page, _ = self.request("POST", "/login", {"csrf_token": match.group(1), "username": username,
                                                          "password": password})
        if status != 302 or "review_session" not in self.cookies:
            raise SystemExit(f"log-in refused (HTTP {status}): {page[:300]}")


@dataclass
class PageResult:
    name: str
    path: str
    samples_ms: List[float]
    matches: Optional[int]
    kbytes: float
    stats: Dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stats = {"p50_ms": round(percentile(self.samples_ms, 50), 1),
                      "p95_ms": round(percentile(self.samples_ms, 95), 1), "max_ms": round(max(self.samples_ms), 1)}


def pages(sample: Dict[str, str], end: float) -> List[Tuple[str, str]]:
    week_to = dt.datetime.fromtimestamp(end, dt.timezone.utc).date() - dt.timedelta(days=8)
    week_from = week_to - dt.timedelta(days=6)
    return [
        ("queue", "/queue"),
        ("list, page 1", "/conversations"),
        ("list, page 100", "/conversations?page=100"),
        ("list, red_flag=yes", "/conversations?red_flag=yes"),
        ("list, topic + sort=messages", "/conversations?topic=ask_milk_storage&sort=messages"),
        (f"list, q={SEARCH_WORD}", f"/conversations?q={SEARCH_WORD}"),
        ("list, one week", f"/conversations?from={week_from.isoformat()}&to={week_to.isoformat()}"),
        (f"transcript ({sample['events']} events)", f"/c/{sample['pseudonym']}"),
    ]


def matches(path: str, page: str) -> Optional[int]:
    """How many conversations the page says it found (the queue's waiting count, the list's total)."""
    found = re.search(r"<strong>([\d,]+)</strong> (?:waiting|conversation)", page)
    return int(found.group(1).replace(",", "")) if found else None


def time_page(browser: Browser, name: str, path: str, runs: int, warmups: int) -> PageResult:
    samples, page = [], ""
    for i in range(warmups + runs):
        status, page, ms = browser.request("GET", path)
        if status != 200:  # a lost session answers 302 to the log-in page; redirects are not followed
            raise SystemExit(f"{path}: HTTP {status}, not the page:\n{page[:500]}")
        if i >= warmups:
            samples.append(ms)
    result = PageResult(name, path, samples, matches(path, page), round(len(page.encode()) / 1024, 1))
    print(f"  {name:<34} p50 {result.stats['p50_ms']:>7.1f} ms   p95 {result.stats['p95_ms']:>7.1f} ms", flush=True)
    return result
