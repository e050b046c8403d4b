"""What the blueprints share: the app's state, the admin check, cookies, safe redirects and page filters."""
from __future__ import annotations

import functools
import re
import time
from typing import Callable, Optional

from flask import Response, abort, current_app, g, request
from sqlalchemy.engine import Engine

from review.settings import Settings

SESSION_COOKIE = "review_session"
LOGIN_CSRF_COOKIE = "review_login_csrf"
# A path on this site for after log-in: no scheme, no host, no control characters or backslashes.
SAFE_NEXT = re.compile(r"/(?!/)[A-Za-z0-9\-._~/?=&%+]*")


# The factory keeps its state in app.extensions["review"], so a view reads the app it runs in, and
# two apps in one process (tests, a proxy variant) never share settings or engines.
def settings() -> Settings:
    return current_app.extensions["review"]["settings"]


def own_db() -> Engine:
    """The app's own database: staff, sessions, notes, tags, audit and the conversation index."""
    return current_app.extensions["review"]["own"]


def tracker_db() -> Engine:
    """The assistant's tracker store, opened read-only."""
    return current_app.extensions["review"]["tracker"]


def secret() -> bytes:
    return current_app.extensions["review"]["secret"]


def address() -> str:
    # ProxyFix (when REVIEW_PROXY_HOPS is set) has already put the staff member's address here.
    return request.remote_addr or ""


def admin_only(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not g.session.staff.is_admin:
            abort(403, "Only admins can open this page.")
        return view(*args, **kwargs)
    return wrapped


def set_cookie(resp: Response, name: str, value: str, max_age: Optional[int] = None) -> None:
    # Out of reach of page scripts and never sent with a request another site starts.
    resp.set_cookie(name, value, max_age=max_age, httponly=True, secure=settings().cookie_secure, samesite="Strict",
                    path="/")


def safe_next(value: Optional[str]) -> str:
    # Only paths on this site: never bounce a fresh session to another host.
    return value if value and SAFE_NEXT.fullmatch(value) else "/"


# Template filters (registered by the factory as `when` and `wait`).
def fmt_time(ts: Optional[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts)) if ts else ""


def fmt_wait(ts: Optional[float]) -> str:
    if not ts:
        return ""
    minutes = max(0, int((time.time() - ts) // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h {minutes % 60} min" if hours < 48 else f"{hours // 24} days"
