"""The Outcomes page's figures: check-in answers per suspected cause, and conversations, red flags and
misunderstood messages per week. Plain queries over the conversation index (never Rasa's events), so
the page costs the same at ten thousand conversations as at ten.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coach.checkins import OUTCOMES
from coach.vocabulary import CAUSES
from review.schema import conversation

# Weeks shown: a quarter shows a trend without squeezing the bars.
WEEKS = 12


@dataclass
class CauseRow:
    cause: str
    conversations: int = 0  # with this suspected cause
    checked_in: int = 0  # of those, how many were sent a check-in
    better: int = 0
    same: int = 0
    worse: int = 0
    no_reply: int = 0

    def count(self, outcome: str) -> int:
        return getattr(self, outcome)


@dataclass
class WeekRow:
    week: dt.date  # the Monday the week starts on (UTC)
    conversations: int = 0
    red_flags: int = 0
    user_messages: int = 0
    misunderstood: int = 0

    @property
    def misunderstood_share(self) -> Optional[float]:
        return self.misunderstood / self.user_messages if self.user_messages else None


def by_cause(conn: Connection) -> List[CauseRow]:
    rows: Dict[str, CauseRow] = {cause: CauseRow(cause) for cause in CAUSES}
    c = conversation.c
    query = (sa.select(c.suspected_cause, c.outcome, sa.func.count(), sa.func.sum(sa.case((c.checked_in, 1), else_=0)))
             .where(c.suspected_cause.isnot(None)).group_by(c.suspected_cause, c.outcome))
    for cause, outcome, count, checked in conn.execute(query):
        row = rows.setdefault(cause, CauseRow(cause))
        row.conversations += count
        row.checked_in += int(checked or 0)
        if outcome in OUTCOMES:
            setattr(row, outcome, row.count(outcome) + count)
    return list(rows.values())


def monday(ts: float) -> dt.date:
    day = dt.datetime.fromtimestamp(ts, dt.timezone.utc).date()
    return day - dt.timedelta(days=day.weekday())


def by_week(conn: Connection, now: float, weeks: int = WEEKS) -> List[WeekRow]:
    """The last `weeks` weeks, oldest first, each conversation counted in the week it started."""
    last = monday(now)
    rows = {last - dt.timedelta(weeks=k): None for k in range(weeks)}
    out = {week: WeekRow(week) for week in sorted(rows)}
    start = dt.datetime.combine(min(out), dt.time.min, tzinfo=dt.timezone.utc).timestamp()
    c = conversation.c
    query = sa.select(c.first_at, c.red_flag, c.user_messages, c.misunderstandings).where(c.first_at >= start)
    for first_at, red_flag, messages, misunderstood in conn.execute(query):
        row = out.get(monday(first_at))
        if row is None:
            continue
        row.conversations += 1
        row.red_flags += 1 if red_flag else 0
        row.user_messages += messages or 0
        row.misunderstood += misunderstood or 0
    return list(out.values())


def as_csv(causes: List[CauseRow], weeks: List[WeekRow]) -> str:
    """Both tables in one file, each under its own header row, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["suspected_cause", "conversations", "checked_in", *OUTCOMES])
    for row in causes:
        writer.writerow([row.cause, row.conversations, row.checked_in, *(row.count(o) for o in OUTCOMES)])
    writer.writerow([])
    writer.writerow(["week_starting", "conversations", "red_flags", "user_messages", "misunderstood",
                     "misunderstood_share"])
    for week in weeks:
        share = week.misunderstood_share
        writer.writerow([week.week.isoformat(), week.conversations, week.red_flags, week.user_messages,
                         week.misunderstood, "" if share is None else f"{share:.3f}"])
    return out.getvalue()
