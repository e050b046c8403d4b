"""The Outcomes page: did the advice help (check-in answers per suspected cause), and the weekly
conversations, red flags and misunderstood messages, each as a chart with its numbers and as CSV."""
from __future__ import annotations

import time

from flask import Blueprint, Response, abort, render_template

from coach.checkins import OUTCOMES
from review import outcomes
from review.charts import bars_png, share_or_zero
from review.events import OUTCOME_LABELS
from review.views.common import own_db
from review.views.conversations import refresh_index

bp = Blueprint("outcomes", __name__)
CHARTS = ("causes", "conversations", "red_flags", "misunderstood")


def _figures():
    refresh_index()
    with own_db().connect() as conn:
        return outcomes.by_cause(conn), outcomes.by_week(conn, time.time())


@bp.get("/outcomes")
def outcome_page():
    causes, weeks = _figures()
    return render_template("outcomes.html", causes=causes, weeks=weeks, outcomes=OUTCOMES, labels=OUTCOME_LABELS)


@bp.get("/outcomes.csv")
def outcome_csv():
    causes, weeks = _figures()
    return Response(outcomes.as_csv(causes, weeks), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=outcomes.csv", "Cache-Control": "no-store"})


def week_labels(weeks) -> list:
    return [w.week.strftime("%d %b") for w in weeks]


@bp.get("/outcomes/<name>.png")
def outcome_chart(name: str):
    """One chart of the page. The page brought the index up to date just before its four images are
    asked for, so each reads the index as it is, and only the figures it draws."""
    if name not in CHARTS:
        abort(404)
    with own_db().connect() as conn:
        if name == "causes":
            causes = outcomes.by_cause(conn)
        else:
            weeks = outcomes.by_week(conn, time.time())
    if name == "causes":
        png = bars_png([c.cause for c in causes], {OUTCOME_LABELS[o]: [c.count(o) for c in causes] for o in OUTCOMES},
                       "Check-in answers by suspected cause", "conversations", stacked=True)
    elif name == "conversations":
        png = bars_png(week_labels(weeks), {"conversations": [w.conversations for w in weeks]}, "Conversations per week",
                       "conversations")
    elif name == "red_flags":
        png = bars_png(week_labels(weeks), {"red flags": [w.red_flags for w in weeks]}, "Conversations with a red flag per week",
                       "conversations")
    else:
        png = bars_png(week_labels(weeks), {"misunderstood": [share_or_zero(w.misunderstood_share) for w in weeks]},
                       "Share of parents' messages misunderstood, per week", "share", percent=True)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})
