"""The review app's factory: settings, engines, the hooks every request passes, and the pages' blueprints.

Every page but the log-in and the health check needs a live staff session (load_session below). The pages
themselves are in review/views/; what they read is in queries.py, what they change in accounts.py, audit.py
and conversations.py.
"""
from __future__ import annotations

import hmac
import logging
from typing import Optional

from flask import Flask, Response, abort, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from coach.vocabulary import CAUSES
from review import accounts
from review.db import own_engine, tracker_engine
from review.events import OUTCOME_LABELS, TOPICS
from review.schema import csv_values
from review.settings import Settings
from review.views import admin, alerts, auth, common, conversations, handoff, outcomes

log = logging.getLogger(__name__)
# Form bodies are names, passwords, notes and lists of pseudonyms: 1 MB is far above any of them.
MAX_BODY = 1024 * 1024
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
ERROR_MESSAGES = {401: "Please log in again.", 403: "You do not have access to this page.",
                  404: "There is nothing here. The conversation may have been deleted under the retention policy.",
                  413: "That request was too large."}


def create_app(settings: Optional[Settings] = None) -> Flask:
    settings = settings or Settings.from_env()
    # Named after this module so templates/ and static/ beside it are the app's.
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    # Views read these through review.views.common (flask.current_app), never from this function's scope.
    app.extensions["review"] = {"settings": settings, "own": own_engine(settings.database_url),
                                "tracker": tracker_engine(settings.tracker_url), "secret": settings.secret()}
    # Made now, not on the first unknown name, so that name's answer takes no longer than any other.
    accounts.prepare_dummy_hash()
    app.jinja_env.filters.update(when=common.fmt_time, wait=common.fmt_wait, csv_list=csv_values)
    app.jinja_env.globals.update(TOPICS=TOPICS, CAUSES=CAUSES, zip=zip, OUTCOME_LABELS=OUTCOME_LABELS,
                                 OUTCOME_CHOICES=list(OUTCOME_LABELS.items()) + [("none", "no check-in answer")])
    app.before_request(load_session)
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, server_error)
    app.context_processor(page_globals)
    for blueprint in (auth.bp, conversations.bp, handoff.bp, alerts.bp, outcomes.bp, admin.bp):
        app.register_blueprint(blueprint)
    return app


def load_session():
    """Sessions, the temporary-password gate and CSRF, checked before any page runs."""
    g.session = None
    if request.endpoint in auth.NO_SESSION or request.endpoint in ("static", None):
        return None
    with common.own_db().begin() as conn:
        g.session = accounts.current_session(conn, request.cookies.get(common.SESSION_COOKIE), common.settings())
    if g.session is None:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path if request.args else request.path))
        abort(401)
    if any("\x00" in v for source in (request.args, request.form) for vs in source.listvalues() for v in vs):
        abort(400, "The request contains a character that cannot be used (NUL).")
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not hmac.compare_digest(sent.encode(), g.session.csrf_token.encode()):
            abort(400, "This form has expired. Go back, reload the page and try again.")
    if g.session.staff.must_change_password and request.endpoint not in auth.BEFORE_NEW_PASSWORD:
        return redirect(url_for("auth.change_password"))
    return None


def security_headers(resp: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    return resp


def http_error(err: HTTPException):
    # 400 and 403 carry a message written for staff (abort(400, "...")); other codes get a fixed one.
    message = err.description if err.description and err.code in (400, 403) else ERROR_MESSAGES.get(err.code, err.name)
    return render_template("error.html", code=err.code, message=message), err.code


def server_error(err: Exception):
    log.exception("review app error")
    return render_template("error.html", code=500,
                           message="Something went wrong on our side. It has been logged; please try again."), 500


def page_globals():
    return {"me": g.session.staff if getattr(g, "session", None) else None,
            "csrf_token": g.session.csrf_token if getattr(g, "session", None) else "",
            "index_behind": getattr(g, "index_behind", False)}
