"""Taking a conversation over, replying in the parent's chat, handing back (review/handoff.py does the work)."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, request, url_for

from review import conversations, handoff
from review.views.common import address, own_db, settings
from review.views.conversations import show_transcript

bp = Blueprint("handoff", __name__)


def act(pseudonym: str, what: str, work) -> object:
    with own_db().begin() as conn:
        try:
            row = conversations.find(conn, pseudonym)
            work(conn, row)
        except conversations.NotFound:
            abort(404)
        except handoff.HandoffError as err:
            problem = str(err)
        else:
            problem = ""
    if problem:
        return show_transcript(pseudonym, reveal=False, message=problem, status=409)
    return redirect(url_for("conversations.transcript", pseudonym=pseudonym, msg=what))


@bp.post("/c/<pseudonym>/takeover")
def take_over(pseudonym: str):
    me = g.session.staff.username
    return act(pseudonym, "takeover", lambda conn, row: handoff.take_over(
        conn, settings(), row, me, request.form.get("name", ""), address()))


@bp.post("/c/<pseudonym>/reply")
def reply(pseudonym: str):
    me = g.session.staff.username
    return act(pseudonym, "reply", lambda conn, row: handoff.reply(
        conn, settings(), row, me, request.form.get("text", ""), address()))


@bp.post("/c/<pseudonym>/template")
def template(pseudonym: str):
    me = g.session.staff.username
    return act(pseudonym, "template", lambda conn, row: handoff.send_template(conn, settings(), row, me, address()))


@bp.post("/c/<pseudonym>/release")
def release(pseudonym: str):
    staff = g.session.staff
    return act(pseudonym, "release", lambda conn, row: handoff.release(
        conn, settings(), row, staff.username, staff.is_admin, address=address()))
