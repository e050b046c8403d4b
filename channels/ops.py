"""`GET /healthz` and `GET /metrics` on the Rasa server, for a monitor and a Prometheus server.

Not a channel parents write to (like `channels.checkins`): credentials.yml opens it to add the two
routes at the server's root. The health check says what it checked, each part by name, and answers
503 when any part fails, so a load balancer or `systemctl` watchdog can act on the status alone:

* the model is loaded and ready (the worker answers nothing without it);
* the conversations' database answers a query (`SELECT 1` on the tracker store's engine);
* this worker's check-in loop finished a round within ``LOOP_STALE_AFTER_S`` (a stuck loop sends no
  check-ins and copies no requests, while every message is still answered, so nothing else shows it).

The metrics are the counts of every worker (serving/metrics.py). They say how many red flags the
assistant met, which is not for the public: they are served to loopback callers (a Prometheus on the
same host, or a proxy's health probe) and, when ``METRICS_TOKEN`` is set, to a caller that sends it
as a bearer token.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from channels import checkins
from channels.common import sql_engine
from serving import health as health_checks
from serving import metrics

# The loop runs every CHECKIN_POLL_S (30 s); three missed rounds, and a minute for a slow round over a
# large backlog (SYNC_BATCHES_PER_ROUND), before the loop counts as stuck.
LOOP_STALE_AFTER_S = 3 * checkins.POLL_S + 60
# The loop starts once the model is loaded; a worker younger than this is not yet expected to have one.
LOOP_GRACE_S = LOOP_STALE_AFTER_S


def check_model(agent: Any) -> Tuple[bool, str]:
    ready = agent is not None and agent.is_ready()
    return ready, "loaded" if ready else "not loaded"


def check_database(agent: Any) -> Tuple[bool, str]:
    engine = sql_engine(agent.tracker_store) if agent is not None else None
    if engine is None:
        return True, "not an SQL store (conversations are kept in memory)"
    return health_checks.ping(engine)


def check_checkin_loop(started_at: float, now: float) -> Tuple[bool, str]:
    state = checkins.LoopState
    if state.off:
        return True, f"off: {state.off}"
    if state.last_round is None:
        if now - started_at < LOOP_GRACE_S:
            return True, "starting"
        return False, f"no round finished since the start {now - started_at:.0f} s ago"
    age = now - state.last_round
    if age > LOOP_STALE_AFTER_S:
        return False, f"last round {age:.0f} s ago (expected every {checkins.POLL_S:.0f} s)"
    return True, f"last round {age:.0f} s ago"


def health(agent: Any, started_at: float, now: Optional[float] = None) -> Tuple[bool, Dict[str, Dict[str, Any]]]:
    now = time.time() if now is None else now
    parts = {"model": check_model(agent), "database": check_database(agent),
             "checkin_loop": check_checkin_loop(started_at, now)}
    body = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in parts.items()}
    return all(ok for ok, _ in parts.values()), body


def may_read_metrics(request: Request, token: Optional[str]) -> bool:
    return health_checks.may_read_metrics(request.ip, request.headers.get("authorization", ""),
                                          any(name in request.headers for name in health_checks.PROXY_HEADERS), token)


class OpsInput(InputChannel):
    """`/healthz` and `/metrics` at the server's root."""

    @classmethod
    def name(cls) -> Text:
        return "ops"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(os.environ.get("METRICS_TOKEN") or None)

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token
        self.started_at = time.time()

    def url_prefix(self) -> Text:
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("ops", __name__)

        @bp.get("/healthz")
        async def healthz(request: Request) -> Any:
            # The database check may wait on a network: off the event loop, so the worker keeps answering.
            ok, body = await asyncio.to_thread(health, getattr(request.app.ctx, "agent", None), self.started_at)
            return response.json({"status": "ok" if ok else "failing", "version": health_checks.VERSION,
                                  "checks": body}, status=200 if ok else 503,
                                 dumps=json.dumps)

        @bp.get("/metrics")
        async def scrape(request: Request) -> Any:
            if not may_read_metrics(request, self.token):
                return response.text("metrics are served to loopback callers or with METRICS_TOKEN\n", status=403)
            text, content_type = metrics.exposition()
            return response.raw(text, content_type=content_type)

        return bp
