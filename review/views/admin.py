"""Admin pages: staff accounts, the audit log, content sign-off and a parent's data (find, export, erase)."""
from __future__ import annotations

import json
import secrets
import time

from flask import Blueprint, Response, abort, g, render_template, request

from review import accounts, audit, content, erasure, queries
from review.db import tracker_engine
from review.views.common import address, admin_only, own_db, secret, settings, tracker_db

bp = Blueprint("admin", __name__)


@bp.route("/admin/accounts", methods=["GET", "POST"])
@admin_only
def manage_accounts():
    message, new_password, status = "", "", 200
    if request.method == "POST":
        me, name, what = g.session.staff.username, request.form.get("username", ""), request.form.get("action")
        try:
            with own_db().begin() as conn:
                if what == "create":
                    # A temporary password, shown once; the new member must change it at first log-in.
                    new_password = secrets.token_urlsafe(12)
                    accounts.create_user(conn, name, new_password, request.form.get("role", ""), settings(), me,
                                         must_change=True, address=address())
                    message = f"Account {name.strip().lower()} created."
                elif what == "reset":
                    new_password = secrets.token_urlsafe(12)
                    accounts.set_password(conn, name, new_password, settings(), me, must_change=True,
                                          address=address())
                    message = f"Password of {name} reset."
                elif what in ("disable", "enable"):
                    accounts.update_account(conn, name, me, active=what == "enable", address=address())
                    message = f"Account {name} {what}d."
                elif what == "role":
                    accounts.update_account(conn, name, me, role=request.form.get("role"), address=address())
                    message = f"Role of {name} changed."
                else:
                    abort(400, "Unknown account action.")
        except accounts.AccountError as err:
            message, new_password, status = str(err), "", 400
    with own_db().connect() as conn:
        rows = queries.staff_accounts(conn)
    return render_template("accounts.html", rows=rows, message=message, new_password=new_password,
                           roles=accounts.ROLES), status


@bp.get("/admin/audit")
@admin_only
def audit_view():
    page = queries.page_number(request.args.get("page"))
    action = request.args.get("action", "")
    actor = request.args.get("actor", "").strip().lower()
    with own_db().connect() as conn:
        rows, more = queries.audit_page(conn, page, action, actor)
    return render_template("audit.html", rows=rows, more=more, page=page, action=action, actor=actor,
                           actions=audit.ACTIONS)


@bp.route("/admin/content", methods=["GET", "POST"])
@admin_only
def content_signoff():
    message, status = "", 200
    if request.method == "POST":
        try:
            with own_db().begin() as conn:
                signed = content.record(conn, request.form.get("version", ""), request.form.get("clinician", ""),
                                        request.form.get("notes", ""), g.session.staff.username, address())
            message = f"Sign-off of version {signed.version} by {signed.clinician} recorded."
        except content.SignoffError as err:
            message, status = str(err), 400
    with own_db().connect() as conn:
        history = content.signoffs(conn)
    running = content.running_version()
    last = history[0] if history else None
    return render_template("content.html", running=running, last=last, history=history, message=message,
                           changed=last is not None and last.version != running), status


@bp.route("/admin/parent", methods=["GET", "POST"])
@admin_only
def parent_data():
    """Find a parent by channel and id; export or erase what is held. Every step is audited."""
    me, form = g.session.staff.username, request.form
    channel, typed = form.get("channel", "webchat"), form.get("id", "")
    message, found, status = "", [], 200
    if request.method == "POST":
        what = form.get("action", "find")
        if what == "find":
            if not erasure.sender_ids(channel, typed):
                message, status = "Enter the id as the parent has it (a WhatsApp number in full, with the country code).", 400
            else:
                found = erasure.find(tracker_db(), own_db(), channel, typed, secret())
                with own_db().begin() as conn:
                    audit.record(conn, me, "parent_lookup", ", ".join(h.pseudonym for h in found) or "-",
                                 f"{channel}: {len(found)} found", address())
                if not found:
                    message = "Nothing is stored for that id on that channel."
        elif what in ("export", "erase"):
            sender = form.get("sender_id", "")
            if sender not in erasure.sender_ids(channel, typed):
                abort(400, "Find the parent first.")
            if what == "export":
                held = erasure.holdings(tracker_db(), own_db(), sender, secret())
                if held is None:
                    abort(404, "Nothing is stored under that id any more.")
                body = json.dumps(erasure.export(tracker_db(), own_db(), sender), ensure_ascii=False, indent=1,
                                  default=str)
                with own_db().begin() as conn:
                    audit.record(conn, me, "parent_export", held.pseudonym, f"{held.events} events", address())
                stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
                return Response(body, mimetype="application/json", headers={
                    "Content-Disposition": f'attachment; filename="parent-{held.pseudonym}-{stamp}.json"'})
            if form.get("confirm") != "yes":
                message, status = "Tick the box to confirm that the parent asked for this.", 400
            else:
                # The page reads the assistant's database read-only; the erase alone needs to delete there.
                writable = tracker_engine(settings().tracker_url, read_only=False)
                try:
                    held = erasure.erase(writable, own_db(), sender, secret(), me, address(),
                                         why=form.get("reason", "").strip()[:200] or "the parent's request")
                except erasure.NotFound as err:
                    message, status = str(err), 404
                else:
                    message = (f"Erased conversation {held.pseudonym}: {held.events} events, {held.notes} notes, "
                               f"{held.alerts} alerts. The audit log keeps one line, without content.")
                finally:
                    writable.dispose()
            found = erasure.find(tracker_db(), own_db(), channel, typed, secret())
        else:
            abort(400, "Unknown action.")
    return render_template("parent.html", channels=erasure.CHANNELS, channel=channel, typed=typed, found=found,
                           message=message), status
