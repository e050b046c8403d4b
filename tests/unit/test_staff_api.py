"""The staff API's request check (channels/staff.py, StaffInput._verify) without a server: requests
signed by the review app's own code (review/handoff.py), two workers' channels over one real SQLite file."""
import json
import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sanic.compat import Header

from channels.common import seen_table
from channels.staff import NONCE_HEADER, NONCE_NAMESPACE, StaffInput
from review.handoff import signed_headers

SECRET = "staff-secret-for-unit-tests-0123456789"


@pytest.fixture
def app(tmp_path):
    # Found as a worker finds it: through the agent's tracker store.
    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "rasa.db"))
    yield SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))
    store.engine.dispose()


def request(app, body, headers, ip="127.0.0.1"):
    return SimpleNamespace(ip=ip, headers=Header(headers), body=body, app=app)


def signed(ts=None):
    body = json.dumps({"sender_id": "parent-1", "ts": time.time() if ts is None else ts}).encode()
    return body, signed_headers(SECRET, body)


def test_a_nonce_taken_by_one_worker_is_refused_by_another(app):
    first, second = StaffInput({"secret": SECRET}), StaffInput({"secret": SECRET})
    body, headers = signed()
    assert first._verify(request(app, body, headers))["sender_id"] == "parent-1"
    with pytest.raises(PermissionError, match="already used"):
        second._verify(request(app, body, headers))
    with pytest.raises(PermissionError, match="already used"):
        first._verify(request(app, body, headers))
    # Kept where the platforms' message ids are, under a name of its own.
    engine = app.ctx.agent.tracker_store.engine
    with engine.connect() as conn:
        keys = conn.execute(sa.select(seen_table.c.message_key)).scalars().all()
    assert keys == [f"{NONCE_NAMESPACE}:{headers[NONCE_HEADER]}"]
    fresh_body, fresh_headers = signed()
    assert second._verify(request(app, fresh_body, fresh_headers))["sender_id"] == "parent-1"


@pytest.mark.parametrize("header", ["X-Forwarded-For", "x-forwarded-for", "Forwarded", "X-Real-IP",
                                    "X-Forwarded-Host", "X-Forwarded-Proto"])
def test_a_request_through_a_proxy_is_refused(app, header):
    body, headers = signed()
    with pytest.raises(PermissionError, match="proxy"):
        StaffInput({"secret": SECRET})._verify(request(app, body, {**headers, header: "203.0.113.9"}))


def test_the_nonce_must_be_signed_and_well_formed(app):
    channel = StaffInput({"secret": SECRET})
    body, headers = signed()
    for nonce in ("0" * 32, "", "A" * 32, headers[NONCE_HEADER] + "\n"):
        with pytest.raises(PermissionError, match="bad signature"):
            channel._verify(request(app, body, {**headers, NONCE_HEADER: nonce}))
    # None of the refused ones used up the real nonce.
    assert channel._verify(request(app, body, headers))["sender_id"] == "parent-1"


@pytest.mark.parametrize("ts", [float("nan"), float("inf"), 0, "soon"])
def test_a_time_that_is_not_now_is_refused(app, ts):
    body = json.dumps({"sender_id": "parent-1", "ts": ts}).encode()
    with pytest.raises((PermissionError, ValueError)):
        StaffInput({"secret": SECRET})._verify(request(app, body, signed_headers(SECRET, body)))
