"""The review app's pages (Flask app factory). Every page but the log-in needs a live staff session."""
from __future__ import annotations

import functools
import hmac
import logging
import re
import secrets
import time
from typing import Callable, Optional

import sqlalchemy as sa
from flask import Flask, Response, abort, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from review import accounts, audit, conversations, queries
from review.db import own_engine, tracker_engine
from review.events import CAUSES, TOPICS
from review.indexer import sync
from review.schema import audit_log, csv_values, staff
from review.settings import Settings

log = logging.getLogger(__name__)
SESSION_COOKIE = "review_session"
LOGIN_CSRF_COOKIE = "review_login_csrf"
# Form bodies are names, passwords, notes and lists of pseudonyms: 1 MB is far above any of them.
MAX_BODY = 1024 * 1024
AUDIT_PAGE = 100
# A path on this site for after log-in: no scheme, no host, no control characters or backslashes.
SAFE_NEXT = re.compile(r"/(?!/)[A-Za-z0-9\-._~/?=&%+]*")
# Notices a redirect may ask the transcript page to show; anything else in ?msg= is ignored, so a
# crafted link cannot put words in the app's mouth.
NOTICES = {
    "reviewed": "Marked as reviewed.",
    "stale": "New messages arrived since you opened this page. Read them, then mark it again.",
    "note": "Note saved.",
    "tag": "Tag added.",
    "untag": "Tag removed.",
    "reason": "Say why you need the raw data (at least 5 characters) before revealing it.",
}
SECURITY_HEADERS = {
    # No scripts at all, nothing from other hosts, never inside someone else's frame.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Pages hold health conversations: never keep them in a shared computer's cache.
    "Cache-Control": "no-store",
}


def _fmt_time(ts: Optional[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts)) if ts else ""


def _fmt_wait(ts: Optional[float]) -> str:
    if not ts:
        return ""
    minutes = max(0, int((time.time() - ts) // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h {minutes % 60} min" if hours < 48 else f"{hours // 24} days"


def create_app(settings: Optional[Settings] = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    own = own_engine(settings.database_url)
    tracker = tracker_engine(settings.tracker_url)
    secret = settings.secret()
    app.extensions["review"] = {"settings": settings, "own": own, "tracker": tracker, "secret": secret}
    app.jinja_env.filters.update(when=_fmt_time, wait=_fmt_wait, csv_list=csv_values)
    app.jinja_env.globals.update(TOPICS=TOPICS, CAUSES=CAUSES, zip=zip)

    def address() -> str:
        return request.remote_addr or ""

    def refresh_index() -> None:
        # A failure here must not take the queue down: show what is indexed, and say it may be behind.
        g.index_behind = False
        try:
            sync(own, tracker, settings, secret)
        except Exception:  # noqa: BLE001 - logged, and shown on the page
            log.exception("could not index the newest conversations")
            g.index_behind = True

    def set_cookie(resp: Response, name: str, value: str, max_age: Optional[int] = None) -> None:
        resp.set_cookie(name, value, max_age=max_age, httponly=True, secure=settings.cookie_secure, samesite="Strict",
                        path="/")

    # --- sessions, roles and CSRF ------------------------------------------------------------------

    @app.before_request
    def load_session():
        g.session = None
        if request.endpoint in ("login", "static", "health") or request.endpoint is None:
            return None
        with own.begin() as conn:
            g.session = accounts.current_session(conn, request.cookies.get(SESSION_COOKIE), settings)
        if g.session is None:
            if request.method == "GET":
                return redirect(url_for("login", next=request.full_path if request.args else request.path))
            abort(401)
        if any("\x00" in v for source in (request.args, request.form) for vs in source.listvalues() for v in vs):
            abort(400, "The request contains a character that cannot be used (NUL).")
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not hmac.compare_digest(sent.encode(), g.session.csrf_token.encode()):
                abort(400, "This form has expired. Go back, reload the page and try again.")
        if g.session.staff.must_change_password and request.endpoint not in ("change_password", "logout"):
            return redirect(url_for("change_password"))
        return None

    def admin_only(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not g.session.staff.is_admin:
                abort(403, "Only admins can open this page.")
            return view(*args, **kwargs)
        return wrapped

    @app.after_request
    def headers(resp: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        return resp

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        messages = {401: "Please log in again.", 403: "You do not have access to this page.",
                    404: "There is nothing here. The conversation may have been deleted under the retention policy.",
                    413: "That request was too large."}
        message = err.description if err.description and err.code in (400, 403) else messages.get(err.code, err.name)
        return render_template("error.html", code=err.code, message=message), err.code

    @app.errorhandler(Exception)
    def server_error(err: Exception):
        log.exception("review app error")
        return render_template("error.html", code=500,
                               message="Something went wrong on our side. It has been logged; please try again."), 500

    @app.context_processor
    def page_globals():
        return {"me": g.session.staff if getattr(g, "session", None) else None,
                "csrf_token": g.session.csrf_token if getattr(g, "session", None) else "",
                "index_behind": getattr(g, "index_behind", False)}

    # --- log in and out ------------------------------------------------------------------------------

    def safe_next(value: Optional[str]) -> str:
        # Only paths on this site: never bounce a fresh session to another host.
        return value if value and SAFE_NEXT.fullmatch(value) else "/"

    @app.route("/login", methods=["GET", "POST"])
    def login():
        error, status = "", 200
        if request.method == "POST":
            cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
            if not cookie or not hmac.compare_digest(cookie.encode(), request.form.get("csrf_token", "").encode()):
                error, status = "This form has expired. Please try again.", 400
            else:
                with accounts.password_check_lock, own.begin() as conn:
                    try:
                        member, token = accounts.log_in(conn, request.form.get("username", ""),
                                                        request.form.get("password", ""), settings, address())
                    except accounts.LoginRefused as refused:
                        error, status, member = str(refused), 429 if refused.blocked else 401, None
                if member is not None:
                    resp = redirect(url_for("change_password") if member.must_change_password
                                    else safe_next(request.args.get("next")))
                    set_cookie(resp, SESSION_COOKIE, token)
                    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
                    return resp
        form_token = secrets.token_urlsafe(32)
        resp = Response(render_template("login.html", error=error, form_token=form_token,
                                        idle=settings.idle_minutes), status)
        set_cookie(resp, LOGIN_CSRF_COOKIE, form_token, max_age=3600)
        return resp

    @app.post("/logout")
    def logout():
        with own.begin() as conn:
            accounts.log_out(conn, g.session, address())
        resp = redirect(url_for("login"))
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    @app.route("/account/password", methods=["GET", "POST"])
    def change_password():
        error = ""
        if request.method == "POST":
            form = request.form
            with accounts.password_check_lock, own.begin() as conn:
                try:
                    accounts.change_own_password(conn, g.session.staff, form.get("current_password", ""),
                                                 form.get("new_password", ""), form.get("repeat_password", ""),
                                                 settings, address())
                except accounts.AccountError as err:
                    error = str(err)
            if not error:
                resp = redirect(url_for("login"))
                resp.delete_cookie(SESSION_COOKIE, path="/")
                return resp
        return render_template("password.html", error=error, min_length=settings.min_password_length), 400 if error else 200

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    # --- queue, list, transcript ---------------------------------------------------------------------

    @app.get("/")
    def home():
        return redirect(url_for("queue"))

    @app.get("/queue")
    def queue():
        refresh_index()
        with own.connect() as conn:
            rows, total = queries.attention_queue(conn)
        return render_template("queue.html", rows=rows, total=total)

    @app.get("/conversations")
    def conversation_list():
        refresh_index()
        filters = queries.Filters.from_args(request.args)
        with own.connect() as conn:
            page = queries.list_conversations(conn, filters, settings.page_size)
            channels = queries.channels(conn)
        return render_template("list.html", page=page, f=filters, channels=channels)

    def show_transcript(pseudonym: str, reveal: bool, reason: str = "", message: str = "", status: int = 200):
        refresh_index()
        with own.begin() as conn:
            try:
                d = conversations.detail(conn, tracker, pseudonym, reveal=reveal, low_confidence=settings.low_confidence)
            except conversations.NotFound:
                abort(404)
            audit.record(conn, g.session.staff.username, "reveal" if reveal else "view", pseudonym, reason, address())
        return render_template("transcript.html", d=d, pseudonym=pseudonym, revealed=reveal,
                               message=message or NOTICES.get(request.args.get("msg", ""), "")), status

    @app.get("/c/<pseudonym>")
    def transcript(pseudonym: str):
        return show_transcript(pseudonym, reveal=False)

    @app.post("/c/<pseudonym>/reveal")
    @admin_only
    def reveal(pseudonym: str):
        reason = " ".join(request.form.get("reason", "").split())[:500]
        if len(reason) < 5:
            return redirect(url_for("transcript", pseudonym=pseudonym, msg="reason"))
        return show_transcript(pseudonym, reveal=True, reason=reason)

    def change(pseudonym: str, apply: Callable, done: str):
        """Apply a change, then back to the transcript; input staff can fix gets the page again, with why."""
        with own.begin() as conn:
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
        return redirect(url_for("transcript", pseudonym=pseudonym, msg=done))

    @app.post("/c/<pseudonym>/reviewed")
    def mark_reviewed(pseudonym: str):
        refresh_index()
        seen = request.form.get("seen_last_at", "")
        return change(pseudonym, lambda conn: None if conversations.mark_reviewed(
            conn, pseudonym, g.session.staff.username, address(), seen_last_at=seen) else "stale", "reviewed")

    @app.post("/c/<pseudonym>/notes")
    def add_note(pseudonym: str):
        raw_event = request.form.get("event_id", "")
        event_id = int(raw_event) if re.fullmatch(r"[0-9]{1,12}", raw_event) else None
        return change(pseudonym, lambda conn: conversations.add_note(
            conn, tracker, pseudonym, request.form.get("body", ""), g.session.staff.username, event_id, address()),
            "note")

    @app.post("/c/<pseudonym>/tags")
    def add_tag(pseudonym: str):
        if request.form.get("remove"):
            return change(pseudonym, lambda conn: conversations.remove_tag(
                conn, pseudonym, request.form["remove"], g.session.staff.username, address()), "untag")
        return change(pseudonym, lambda conn: conversations.add_tag(
            conn, pseudonym, request.form.get("name", ""), g.session.staff.username, address()), "tag")

    @app.post("/export")
    def export():
        chosen = list(dict.fromkeys(p for p in request.form.getlist("c") if p))
        fmt = request.form.get("format", "csv")
        if not chosen:
            abort(400, "Tick at least one conversation to export.")
        if len(chosen) > conversations.EXPORT_MAX:
            abort(400, f"Export at most {conversations.EXPORT_MAX} conversations at a time.")
        if fmt not in ("csv", "json"):
            abort(400, "Choose CSV or JSON.")
        with own.begin() as conn:
            try:
                records = conversations.export_records(conn, tracker, chosen, settings.low_confidence)
            except conversations.NotFound as missing:
                abort(404, f"No conversation {missing}.")
            audit.record(conn, g.session.staff.username, "export", f"{len(chosen)} conversations",
                         f"{fmt}, {len(records)} rows: {', '.join(chosen)}", address())
        body = conversations.as_csv(records) if fmt == "csv" else conversations.as_json(records)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        return Response(body, mimetype="text/csv" if fmt == "csv" else "application/json", headers={
            "Content-Disposition": f'attachment; filename="conversations-{stamp}.{fmt}"'})

    # --- admin ---------------------------------------------------------------------------------------

    @app.route("/admin/accounts", methods=["GET", "POST"])
    @admin_only
    def manage_accounts():
        message, new_password, status = "", "", 200
        if request.method == "POST":
            me, name, what = g.session.staff.username, request.form.get("username", ""), request.form.get("action")
            try:
                with own.begin() as conn:
                    if what == "create":
                        new_password = secrets.token_urlsafe(12)
                        accounts.create_user(conn, name, new_password, request.form.get("role", ""), settings, me,
                                             must_change=True, address=address())
                        message = f"Account {name.strip().lower()} created."
                    elif what == "reset":
                        new_password = secrets.token_urlsafe(12)
                        accounts.set_password(conn, name, new_password, settings, me, must_change=True, address=address())
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
        with own.connect() as conn:
            rows = conn.execute(sa.select(staff).order_by(staff.c.username)).all()
        return render_template("accounts.html", rows=rows, message=message, new_password=new_password,
                               roles=accounts.ROLES), status

    @app.get("/admin/audit")
    @admin_only
    def audit_view():
        page = queries.page_number(request.args.get("page"))
        action = request.args.get("action", "")
        actor = request.args.get("actor", "").strip().lower()
        query = sa.select(audit_log)
        if action in audit.ACTIONS:
            query = query.where(audit_log.c.action == action)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        with own.connect() as conn:
            rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(AUDIT_PAGE + 1)
                                .offset((page - 1) * AUDIT_PAGE)).all()
        return render_template("audit.html", rows=rows[:AUDIT_PAGE], more=len(rows) > AUDIT_PAGE, page=page,
                               action=action, actor=actor, actions=audit.ACTIONS)

    return app
