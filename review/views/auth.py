"""Log in, log out, change one's own password, and the health check: where a session starts and ends."""
from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from review import accounts
from review.views.common import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    address,
    own_db,
    safe_next,
    secret,
    set_cookie,
    settings,
)

bp = Blueprint("auth", __name__)
# Endpoints the session check in review/web.py lets through without a session, and the ones it still
# allows while a temporary password waits to be changed.
NO_SESSION = ("auth.login", "auth.health")
BEFORE_NEW_PASSWORD = ("auth.change_password", "auth.logout")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = "", 200
    if request.method == "POST":
        # No session yet, so the form's CSRF token is checked against a cookie set with the form (double submit).
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie.encode(), request.form.get("csrf_token", "").encode()):
            error, status = "This form has expired. Please try again.", 400
        else:
            with accounts.password_check_lock, own_db().begin() as conn:
                try:
                    member, token = accounts.log_in(conn, request.form.get("username", ""),
                                                    request.form.get("password", ""), settings(), address(),
                                                    name_key=secret())
                except accounts.LoginRefused as refused:
                    error, status, member = str(refused), 429 if refused.blocked else 401, None
            if member is not None:
                resp = redirect(url_for("auth.change_password") if member.must_change_password
                                else safe_next(request.args.get("next")))
                set_cookie(resp, SESSION_COOKIE, token)
                resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
                return resp
    form_token = secrets.token_urlsafe(32)
    resp = Response(render_template("login.html", error=error, form_token=form_token,
                                    idle=settings().idle_minutes), status)
    set_cookie(resp, LOGIN_CSRF_COOKIE, form_token, max_age=3600)
    return resp


@bp.post("/logout")
def logout():
    with own_db().begin() as conn:
        accounts.log_out(conn, g.session, address())
    resp = redirect(url_for("auth.login"))
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    error = ""
    if request.method == "POST":
        form = request.form
        with accounts.password_check_lock, own_db().begin() as conn:
            try:
                accounts.change_own_password(conn, g.session.staff, form.get("current_password", ""),
                                             form.get("new_password", ""), form.get("repeat_password", ""),
                                             settings(), address())
            except accounts.AccountError as err:
                error = str(err)
        if not error:
            # Every session of the account has ended (change_own_password): log in again with the new password.
            resp = redirect(url_for("auth.login"))
            resp.delete_cookie(SESSION_COOKIE, path="/")
            return resp
    page = render_template("password.html", error=error, min_length=settings().min_password_length)
    return page, 400 if error else 200


@bp.get("/healthz")
def health():
    return {"status": "ok"}
