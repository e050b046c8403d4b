"""Admin pages: staff accounts and the audit log."""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, g, render_template, request

from review import accounts, audit, content, queries
from review.views.common import address, admin_only, own_db, settings

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
