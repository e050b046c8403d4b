"""What the health checks and the metrics pages of both servers share (channels/ops.py, review/ops.py):
a database ping, and who may read the metrics."""
from __future__ import annotations

import hmac
from pathlib import Path
from typing import Optional, Tuple

import sqlalchemy as sa

# The version of the assistant (CHANGELOG.md): in every health answer, so a monitor shows what runs.
VERSION = (Path(__file__).resolve().parent.parent / "VERSION").read_text().strip()

LOOPBACK = ("127.0.0.1", "::1")
# A request that came through a proxy is not a loopback caller, whatever address the proxy has.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host", "X-Forwarded-Proto")


def ping(engine: sa.engine.Engine) -> Tuple[bool, str]:
    """Does the database answer a query?"""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as err:
        return False, f"unreachable ({type(err).__name__})"
    return True, "reachable"


def may_read_metrics(remote_addr: Optional[str], authorization: str, forwarded: bool, token: Optional[str]) -> bool:
    """Loopback callers not behind a proxy, or any caller with the bearer token when one is set."""
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    return remote_addr in LOOPBACK and not forwarded
