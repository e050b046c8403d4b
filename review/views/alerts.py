"""The alerts page: what was sent to the on-call, when, and what failed."""
from __future__ import annotations

from flask import Blueprint, render_template

from review import alerts
from review.views.common import own_db, settings
from review.views.conversations import refresh_index

bp = Blueprint("alerts", __name__)
PAGE = 100


@bp.get("/alerts")
def alert_list():
    refresh_index()
    with own_db().connect() as conn:
        rows = alerts.recent(conn, PAGE)
    return render_template("alerts.html", rows=rows, reasons=alerts.REASONS, destinations=settings().alerts.destinations,
                           max_age_h=alerts.MAX_AGE_TO_SEND_S // 3600)
