"""The queue, the conversation list, a transcript and what staff do on it (review, notes, tags), and export."""
from __future__ import annotations

import logging
import re
import time
from typing import Callable

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

# review.conversations (the data and the changes staff make), not this module of pages about it.
from coach.log_chart import week_chart_png
from coach.pumping_log import from_entry, log_week, week_table
from review import alerts, audit, conversations, handoff, queries
from review.indexer import sync
from review.views.common import address, admin_only, own_db, secret, settings, tracker_db

log = logging.getLogger(__name__)
bp = Blueprint("conversations", __name__)
# Notices a redirect may ask the transcript page to show; anything else in ?msg= is ignored, so a
# crafted link cannot put words in the app's mouth.
NOTICES = {
    "reviewed": "Marked as reviewed.",
    "stale": "New messages arrived since you opened this page. Read them, then mark it again.",
    "note": "Note saved.",
    "tag": "Tag added.",
    "untag": "Tag removed.",
    "reason": "Say why you need the raw data (at least 5 characters) before revealing it.",
    "takeover": "You hold the conversation; the parent was told a person has joined.",
    "takeover_untold": "You hold the conversation, but the parent could not be told yet: send them a reply.",
    "reply": "Sent.",
    "template": "Template sent.",
    "release": "Handed back to the assistant; the parent was told.",
}


def refresh_index() -> None:
    # A failure here must not take the queue down: show what is indexed, and say it may be behind.
    g.index_behind = False
    try:
        sync(own_db(), tracker_db(), settings(), secret())
    except Exception:  # noqa: BLE001 - logged, and shown on the page
        log.exception("could not index the newest conversations")
        g.index_behind = True


@bp.get("/")
def home():
    return redirect(url_for("conversations.queue"))


@bp.get("/queue")
def queue():
    refresh_index()
    with own_db().connect() as conn:
        rows, total = queries.attention_queue(conn)
        failing = alerts.failing_count(conn)
        sent = alerts.sent_since(conn, time.time() - 86400)
        holds = handoff.open_holds(conn)
    return render_template("queue.html", rows=rows, total=total, failing_alerts=failing, sent_alerts=sent, holds=holds)


@bp.get("/conversations")
def conversation_list():
    refresh_index()
    filters = queries.Filters.from_args(request.args)
    with own_db().connect() as conn:
        page = queries.list_conversations(conn, filters, settings().page_size)
        channels = queries.channels(conn)
    return render_template("list.html", page=page, f=filters, channels=channels)


def show_transcript(pseudonym: str, reveal: bool, reason: str = "", message: str = "", status: int = 200):
    """The transcript page; every showing is audited, as a view or (with the raw text) a reveal."""
    refresh_index()
    with own_db().begin() as conn:
        try:
            d = conversations.detail(conn, tracker_db(), pseudonym, reveal=reveal,
                                     low_confidence=settings().low_confidence)
        except conversations.NotFound:
            abort(404)
        audit.record(conn, g.session.staff.username, "reveal" if reveal else "view", pseudonym, reason, address())
    with own_db().connect() as conn:
        held = handoff.open_hold(conn, d.row.id)
    s = settings()
    window_closed = False
    if held and s.staff_api_secret:
        # Only the Rasa server knows when the parent last wrote (WhatsApp's 24-hour window).
        try:
            window_closed = not handoff.call(s, "state", d.row.sender_id)[1].get("window_open", True)
        except handoff.HandoffError as err:
            message = message or str(err)
    panel = {"enabled": bool(s.staff_api_secret), "hold": held, "idle_minutes": s.hold_idle_minutes,
             "window_closed": window_closed}
    return render_template("transcript.html", d=d, pseudonym=pseudonym, revealed=reveal, handoff=panel,
                           log_rows=week_table(d.pumping_log),
                           message=message or NOTICES.get(request.args.get("msg", ""), "")), status


@bp.get("/c/<pseudonym>")
def transcript(pseudonym: str):
    return show_transcript(pseudonym, reveal=False)


@bp.get("/c/<pseudonym>/log-chart.png")
def log_chart(pseudonym: str):
    """The parent's last 7 logged days as the transcript page's chart (drawn here; the CSP allows only
    images from this app)."""
    with own_db().connect() as conn:
        try:
            row = conversations.find(conn, pseudonym)
        except conversations.NotFound:
            abort(404)
    entries = conversations.pumping_log(tracker_db(), row.sender_id)
    if not entries:
        abort(404)
    week = log_week([from_entry(e) for e in entries])
    return Response(week_chart_png(week), mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@bp.post("/c/<pseudonym>/reveal")
@admin_only
def reveal(pseudonym: str):
    reason = " ".join(request.form.get("reason", "").split())[:500]
    if len(reason) < 5:
        return redirect(url_for("conversations.transcript", pseudonym=pseudonym, msg="reason"))
    return show_transcript(pseudonym, reveal=True, reason=reason)


def change(pseudonym: str, apply: Callable, done: str):
    """Apply a change, then back to the transcript; input staff can fix gets the page again, with why."""
    with own_db().begin() as conn:
        try:
            done = apply(conn) or done
        except conversations.NotFound:
            abort(404)
        except conversations.InvalidInput as err:
            problem = str(err)
        else:
            problem = ""
    if problem:
        return show_transcript(pseudonym, reveal=False, message=problem, status=400)
    return redirect(url_for("conversations.transcript", pseudonym=pseudonym, msg=done))


@bp.post("/c/<pseudonym>/reviewed")
def mark_reviewed(pseudonym: str):
    refresh_index()
    seen = request.form.get("seen_last_at", "")
    return change(pseudonym, lambda conn: None if conversations.mark_reviewed(
        conn, pseudonym, g.session.staff.username, address(), seen_last_at=seen) else "stale", "reviewed")


@bp.post("/c/<pseudonym>/notes")
def add_note(pseudonym: str):
    raw_event = request.form.get("event_id", "")
    event_id = int(raw_event) if re.fullmatch(r"[0-9]{1,12}", raw_event) else None
    return change(pseudonym, lambda conn: conversations.add_note(
        conn, tracker_db(), pseudonym, request.form.get("body", ""), g.session.staff.username, event_id, address()),
        "note")


@bp.post("/c/<pseudonym>/tags")
def add_tag(pseudonym: str):
    if request.form.get("remove"):
        return change(pseudonym, lambda conn: conversations.remove_tag(
            conn, pseudonym, request.form["remove"], g.session.staff.username, address()), "untag")
    return change(pseudonym, lambda conn: conversations.add_tag(
        conn, pseudonym, request.form.get("name", ""), g.session.staff.username, address()), "tag")


@bp.post("/export")
def export():
    chosen = list(dict.fromkeys(p for p in request.form.getlist("c") if p))
    fmt = request.form.get("format", "csv")
    if not chosen:
        abort(400, "Tick at least one conversation to export.")
    if len(chosen) > conversations.EXPORT_MAX:
        abort(400, f"Export at most {conversations.EXPORT_MAX} conversations at a time.")
    if fmt not in ("csv", "json"):
        abort(400, "Choose CSV or JSON.")
    with own_db().begin() as conn:
        try:
            records = conversations.export_records(conn, tracker_db(), chosen, settings().low_confidence)
        except conversations.NotFound as missing:
            abort(404, f"No conversation {missing}.")
        audit.record(conn, g.session.staff.username, "export", f"{len(chosen)} conversations",
                     f"{fmt}, {len(records)} rows: {', '.join(chosen)}", address())
    body = conversations.as_csv(records) if fmt == "csv" else conversations.as_json(records)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return Response(body, mimetype="text/csv" if fmt == "csv" else "application/json", headers={
        "Content-Disposition": f'attachment; filename="conversations-{stamp}.{fmt}"'})
