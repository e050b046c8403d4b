"""Log in, log out, change one's own password, and the health check: where a session starts and ends."""
from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from review import accounts, ops
from review.views.common import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    address,
    own_db,
    safe_next,
    secret,
    set_cookie,
    settings,
    tracker_db,
)
from serving import health as health_checks

bp = Blueprint("auth", __name__)
# Endpoints the session check in review/web.py lets through without a session, and the ones it still
# allows while a temporary password waits to be changed.
NO_SESSION = ("auth.login", "auth.health", "auth.health_detail", "auth.metrics")
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
    """The app's own database answers: what the process manager and `make run` wait for."""
    ok, detail = health_checks.ping(own_db())
    return {"status": "ok" if ok else "failing", "database": detail, "version": health_checks.VERSION}, 200 if ok else 503


@bp.get("/health")
def health_detail():
    """Each part by name, 503 when any fails: both databases, and the alert worker's last round."""
    ok, checks = ops.health(own_db(), tracker_db(), settings().alerts.poll_seconds)
    return {"status": "ok" if ok else "failing", "version": health_checks.VERSION, "checks": checks}, \
        200 if ok else 503


@bp.get("/metrics")
def metrics():
    forwarded = any(name in request.headers for name in health_checks.PROXY_HEADERS)
    if not health_checks.may_read_metrics(request.remote_addr, request.headers.get("Authorization", ""), forwarded,
                                settings().metrics_token):
        return Response("metrics are served to loopback callers or with METRICS_TOKEN\n", status=403,
                        mimetype="text/plain")
    text, content_type = ops.exposition(own_db(), tracker_db())
    return Response(text, content_type=content_type)
