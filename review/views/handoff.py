"""Taking a conversation over, replying in the parent's chat, handing back (review/handoff.py does the work).

Each is a change to one conversation like a note or a tag, so it takes the same path (`change`): a
refusal staff can act on shows the transcript again with the reason.
"""
from __future__ import annotations

from flask import Blueprint, g, request

from review import conversations, handoff
from review.views.common import address, settings
from review.views.conversations import change

bp = Blueprint("handoff", __name__)


@bp.post("/c/<pseudonym>/takeover")
def take_over(pseudonym: str):
    me = g.session.staff.username
    return change(pseudonym, lambda conn: handoff.take_over(
        conn, settings(), conversations.find(conn, pseudonym), me, request.form.get("name", ""), address()), "takeover")


@bp.post("/c/<pseudonym>/reply")
def reply(pseudonym: str):
    me = g.session.staff.username
    return change(pseudonym, lambda conn: handoff.reply(
        conn, settings(), conversations.find(conn, pseudonym), me, request.form.get("text", ""), address()), "reply")


@bp.post("/c/<pseudonym>/template")
def template(pseudonym: str):
    me = g.session.staff.username
    return change(pseudonym, lambda conn: handoff.send_template(
        conn, settings(), conversations.find(conn, pseudonym), me, address()), "template")


@bp.post("/c/<pseudonym>/release")
def release(pseudonym: str):
    staff = g.session.staff
    return change(pseudonym, lambda conn: handoff.release(
        conn, settings(), conversations.find(conn, pseudonym), staff.username, staff.is_admin, address=address()),
        "release")
