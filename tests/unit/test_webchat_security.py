"""The web chat's routes (channels/webchat.py) mounted by Rasa's own `register` on a bare Sanic app, without
the model: sender ids, security headers, and charts (odd addresses, the cache, the drawing limit)."""
import json
import uuid
from datetime import date

import pytest
from rasa.core.channels.channel import register
from sanic import Sanic
from sanic_testing import TestManager

from channels import webchat
from channels.webchat import (
    CHART_BURST,
    BadRequest,
    ChartRenders,
    WebChatInput,
    page_policy,
    parse_message_body,
    valid_sender,
)
from coach.log_chart import parse_chart_path

CLINIC = "https://clinic.example.org"
CHART = "/webhooks/webchat/chart/2026-11-28/0-120-130-0-150-170-90.png"


def mounted(channel):
    app = Sanic(f"webchat_test_{uuid.uuid4().hex[:12]}")
    register([channel], app, "/webhooks/")  # as the Rasa server mounts its channels
    TestManager(app)
    return app


@pytest.fixture
def channel():
    return WebChatInput(allowed_origins=[CLINIC])


@pytest.fixture
def client(channel):
    return mounted(channel).test_client


def get(client, path, **kwargs):
    return client.get(path, **kwargs)[1]


# --- sender ids -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sender", ["a" * 32 + "\n", "a" * 32 + "\r\n", "\n" + "a" * 32, "a" * 15, "a" * 65, "a b" * 8])
def test_a_sender_id_with_a_trailing_newline_or_odd_shape_is_refused(sender):
    assert not valid_sender(sender)
    with pytest.raises(BadRequest, match="sender"):
        parse_message_body({"sender": sender, "message": "hi"})


def test_the_routes_refuse_a_sender_id_with_a_trailing_newline(client):
    sender = "a" * 32 + "\n"
    resp = client.post("/webhooks/webchat/webhook", data=json.dumps({"sender": sender, "message": "hi"}))[1]
    assert resp.status == 400 and "sender" in resp.json["error"]
    # The history route answers before it would look for the conversation (no agent is loaded here).
    assert get(client, "/webhooks/webchat/history/" + "a" * 32 + "%0A").status == 400
    assert valid_sender("a" * 32) and valid_sender("A-b_" * 16)


# --- security headers -------------------------------------------------------------------------------------

def test_the_chat_page_gets_its_policy_and_may_be_framed_only_by_us_and_the_clinics(client):
    for path in ("/webhooks/webchat/", "/webhooks/webchat/static/index.html"):
        resp = get(client, path)
        assert resp.status == 200
        policy = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy and "data:" not in policy
        assert policy.endswith(f"frame-ancestors 'self' {CLINIC}")
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
    for name in ("widget.js", "widget.css"):
        resp = get(client, f"/webhooks/webchat/static/{name}")
        assert resp.headers["Content-Security-Policy"] and resp.headers["X-Content-Type-Options"] == "nosniff"


def test_every_answer_is_nosniff_json_and_errors_too(client):
    answers = [get(client, "/webhooks/webchat/static/nothing.js"), get(client, "/webhooks/webchat/history/bad!id"),
               get(client, "/webhooks/webchat/chart/0001-01-01/1-2-3-4-5-6-7.png"),
               client.post("/webhooks/webchat/webhook", data="{not json")[1],
               client.options("/webhooks/webchat/webhook", headers={"Origin": CLINIC})[1]]
    assert [a.status for a in answers] == [404, 400, 404, 400, 204]
    for answer in answers:
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_an_allowed_origin_that_is_not_an_origin_cannot_add_to_the_policy():
    policy = page_policy([CLINIC, "https://evil.example; script-src *", "*", "http://localhost:8080"])
    assert policy.endswith(f"frame-ancestors 'self' http://localhost:8080 {CLINIC}")
    assert "evil" not in policy and "script-src *" not in policy


# --- charts -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("end, values", [
    ("0001-01-01", "1-2-3-4-5-6-7.png"),  # the week would start before year 1 (was an HTTP 500)
    ("0001-01-06", "1-2-3-4-5-6-7.png"),
    ("0000-01-01", "1-2-3-4-5-6-7.png"),
    ("2026-02-30", "1-2-3-4-5-6-7.png"),
    ("2026-11-28", "99999-1-1-1-1-1-1.png"),  # above MAX_DAY_ML
    ("2026-11-28", "999999-1-1-1-1-1-1.png"),
    ("2026-11-28", "-1-2-3-4-5-6-7.png"),
    ("2026-11-28", "1--2-3-4-5-6-7.png"),
    ("2026-11-28", "one-2-3-4-5-6-7.png"),
    ("2026-11-28", "1.5-2-3-4-5-6-7.png"),
    ("2026-11-28", "1e9-2-3-4-5-6-7.png"),
    ("2026-11-28", "1-2-3-4-5-6.png"),
    ("2026-11-28", "1-2-3-4-5-6-7-8.png"),
    ("2026-11-28", "1-2-3-4-5-6-7"),
    ("99999-11-28", "1-2-3-4-5-6-7.png"),
    ("2026-13-01", "1-2-3-4-5-6-7.png"),
    ("", ""),
])
def test_addresses_the_chart_cannot_draw_are_not_charts(end, values):
    assert parse_chart_path(f"{end}/{values}") is None


@pytest.mark.parametrize("end, first", [("0001-01-07", date(1, 1, 1)), ("9999-12-31", date(9999, 12, 25))])
def test_the_calendar_edges_still_draw(client, end, first):
    assert parse_chart_path(f"{end}/1-2-3-4-5-6-7.png")[0][0] == first
    resp = get(client, f"/webhooks/webchat/chart/{end}/20000-0-0-0-0-0-20000.png")
    assert resp.status == 200 and resp.body.startswith(b"\x89PNG")


def test_the_first_days_of_year_one_are_a_404_not_a_500(client):
    resp = get(client, "/webhooks/webchat/chart/0001-01-01/1-2-3-4-5-6-7.png")
    assert resp.status == 404 and resp.json == {"error": "not a chart"}


def counting_drawings(monkeypatch):
    drawn = []
    real = webchat.week_chart_png

    def counting(week):
        drawn.append(week)
        return real(week)

    monkeypatch.setattr(webchat, "week_chart_png", counting)
    return drawn


def test_a_chart_asked_for_again_comes_from_the_cache(client, monkeypatch):
    drawn = counting_drawings(monkeypatch)
    first = get(client, CHART)
    # The same chart spelled with leading zeros is the same chart.
    again = get(client, CHART.replace("/0-120-", "/000-0120-"))
    assert first.status == again.status == 200 and first.headers["content-type"] == "image/png"
    assert first.body == again.body and len(drawn) == 1


def test_a_burst_of_new_charts_beyond_the_limit_gets_429_with_retry_after(channel, monkeypatch):
    drawn = counting_drawings(monkeypatch)
    now = [1000.0]
    channel.charts = ChartRenders(clock=lambda: now[0])  # the clock stands still: no token comes back
    client = mounted(channel).test_client
    paths = [f"/webhooks/webchat/chart/2026-11-28/{n}-0-0-0-0-0-0.png" for n in range(CHART_BURST + 1)]
    answers = [get(client, path) for path in paths]
    assert [a.status for a in answers] == [200] * CHART_BURST + [429]
    assert len(drawn) == CHART_BURST
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[-1].headers["X-Content-Type-Options"] == "nosniff"
    assert get(client, paths[0]).status == 200  # a chart already drawn is still served from the cache
    now[0] += 1.0  # a second later, new charts may be drawn again
    assert get(client, paths[-1]).status == 200 and len(drawn) == CHART_BURST + 1


def test_the_bucket_refills_at_its_rate_and_the_cache_forgets_the_oldest():
    now = [0.0]
    renders = ChartRenders(rate=2, burst=2, size=2, clock=lambda: now[0])
    assert renders.wait_s() == 0 and renders.wait_s() == 0
    assert renders.wait_s() == pytest.approx(0.5)
    now[0] += 0.5
    assert renders.wait_s() == 0
    for key in ("a", "b", "c"):
        renders.keep(key, key.encode())
    assert renders.cached("a") is None and renders.cached("c") == b"c"
