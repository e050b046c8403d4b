"""What the pages read: the queue, the conversation list, the staff accounts and the audit log.

The queue and the list filter, sort and page over the conversation index, never over Rasa's events.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coach.checkins import OUTCOMES
from coach.vocabulary import CAUSES
from review.audit import ACTIONS
from review.events import TOPICS
from review.schema import audit_log, conversation, staff

# Columns a list can be sorted by, as named in the URL; anything else falls back to the newest first.
SORTS = {
    "last": conversation.c.last_at,
    "first": conversation.c.first_at,
    "messages": conversation.c.user_messages,
    "misunderstood": conversation.c.misunderstandings,
    "cause": conversation.c.suspected_cause,
    "outcome": conversation.c.outcome,
    "channel": conversation.c.channel,
}
LIST_COLUMNS = [c for c in conversation.c if c.name not in ("search_text", "sender_id")]
QUEUE_LIMIT = 200  # more waiting than this is a staffing problem the page cannot fix; the count says so
Q_MAX = 200
MAX_PAGE = 1_000_000  # far beyond any real list; keeps OFFSET inside every database's integer range
AUDIT_PAGE = 100


def _date(value: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def page_number(raw: Optional[str]) -> int:
    """A page number from the URL: anything that is not a plain, sane number is page 1."""
    return max(1, min(int(raw), MAX_PAGE)) if raw and re.fullmatch(r"[0-9]{1,9}", raw) else 1


def _flag(value: Optional[str]) -> Optional[bool]:
    return {"yes": True, "no": False}.get((value or "").lower())


@dataclass
class Filters:
    q: str = ""
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    channel: str = ""
    topic: str = ""
    cause: str = ""
    outcome: str = ""
    red_flag: Optional[bool] = None
    handoff: Optional[bool] = None
    reviewed: Optional[bool] = None
    sort: str = "last"
    descending: bool = True
    page: int = 1
    errors: List[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "Filters":
        f = cls(q=(args.get("q") or "").strip()[:Q_MAX], channel=args.get("channel") or "",
                topic=args.get("topic") or "", cause=args.get("cause") or "", outcome=args.get("outcome") or "",
                red_flag=_flag(args.get("red_flag")), handoff=_flag(args.get("handoff")),
                reviewed=_flag(args.get("reviewed")))
        for name in ("from", "to"):
            raw = args.get(name) or ""
            value = _date(raw)
            if raw and value is None:
                f.errors.append(f"'{raw}' is not a date (use YYYY-MM-DD); that filter was left out.")
            setattr(f, f"date_{name}", value)
        if f.topic and f.topic not in TOPICS:
            f.errors.append("Unknown topic; that filter was left out.")
            f.topic = ""
        if f.cause and f.cause not in CAUSES:
            f.errors.append("Unknown cause; that filter was left out.")
            f.cause = ""
        if f.outcome and f.outcome not in OUTCOMES + ("none",):
            f.errors.append("Unknown outcome; that filter was left out.")
            f.outcome = ""
        f.sort = args.get("sort") if args.get("sort") in SORTS else "last"
        f.descending = args.get("order") != "asc"
        f.page = page_number(args.get("page"))
        return f

    def as_args(self, **changes: Any) -> Dict[str, str]:
        """The filters as URL parameters (for paging and sorting links)."""
        values = {"q": self.q, "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else "", "channel": self.channel,
                  "topic": self.topic, "cause": self.cause, "outcome": self.outcome, "sort": self.sort,
                  "order": "desc" if self.descending else "asc", "page": str(self.page)}
        for name in ("red_flag", "handoff", "reviewed"):
            value = getattr(self, name)
            values[name] = "" if value is None else ("yes" if value else "no")
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


def _day_start(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.timezone.utc).timestamp()


def _day_end(day: dt.date) -> float:
    try:
        return _day_start(day + dt.timedelta(days=1))
    except OverflowError:  # 9999-12-31: no day after it, so no upper bound
        return float("inf")


def _where(f: Filters) -> List[Any]:
    c = conversation.c
    where: List[Any] = []
    if f.q:
        # The search text is lower-case; escape LIKE's wildcards so "100%" means what it says.
        term = f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(c.search_text.like(f"%{term}%", escape="\\"))
    if f.date_from:
        where.append(c.last_at >= _day_start(f.date_from))
    if f.date_to:
        where.append(c.first_at < _day_end(f.date_to))
    if f.channel:
        where.append(c.channel == f.channel)
    if f.topic:
        where.append(c.topics.like(f"%,{f.topic},%"))
    if f.cause:
        where.append(c.suspected_cause == f.cause)
    if f.outcome:
        where.append(c.outcome.is_(None) if f.outcome == "none" else c.outcome == f.outcome)
    if f.red_flag is not None:
        where.append(c.red_flag.isnot(None) if f.red_flag else c.red_flag.is_(None))
    if f.handoff is not None:
        where.append(c.handoff.is_(f.handoff))
    if f.reviewed is not None:
        where.append(c.reviewed_at.isnot(None) if f.reviewed else c.reviewed_at.is_(None))
    return where


@dataclass
class Page:
    rows: List[Any]
    total: int
    page: int
    pages: int


def list_conversations(conn: Connection, f: Filters, page_size: int) -> Page:
    where = _where(f)
    total = conn.execute(sa.select(sa.func.count()).select_from(conversation).where(*where)).scalar_one()
    pages = max(1, math.ceil(total / page_size))
    page = min(f.page, pages)
    column = SORTS[f.sort]
    order = [column.desc() if f.descending else column.asc(), conversation.c.id.desc()]
    rows = conn.execute(sa.select(*LIST_COLUMNS).where(*where).order_by(*order)
                        .limit(page_size).offset((page - 1) * page_size)).all()
    return Page(rows, total, page, pages)


def attention_queue(conn: Connection) -> "tuple[List[Any], int]":
    """Conversations waiting for a person, oldest wait first, and how many wait in all."""
    waiting = conversation.c.attention_at.isnot(None)
    total = conn.execute(sa.select(sa.func.count()).select_from(conversation).where(waiting)).scalar_one()
    rows = conn.execute(sa.select(*LIST_COLUMNS).where(waiting)
                        .order_by(conversation.c.attention_at.asc(), conversation.c.id).limit(QUEUE_LIMIT)).all()
    return rows, total


def channels(conn: Connection) -> List[str]:
    return [r[0] for r in conn.execute(sa.select(conversation.c.channel).where(conversation.c.channel.isnot(None))
                                       .distinct().order_by(conversation.c.channel))]


def staff_accounts(conn: Connection) -> List[Any]:
    return conn.execute(sa.select(staff).order_by(staff.c.username)).all()


def audit_page(conn: Connection, page: int, action: str = "", actor: str = "") -> "tuple[List[Any], bool]":
    """One page of the audit log, newest first, and whether older rows follow; an unknown action filters nothing."""
    query = sa.select(audit_log)
    if action in ACTIONS:
        query = query.where(audit_log.c.action == action)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    # One row past the page says whether there is an older page, without counting the whole log.
    rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(AUDIT_PAGE + 1)
                        .offset((page - 1) * AUDIT_PAGE)).all()
    return rows[:AUDIT_PAGE], len(rows) > AUDIT_PAGE
