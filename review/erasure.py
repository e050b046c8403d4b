"""A parent's data rights: find everything held about one parent, export it, erase it.

Staff find a parent by the channel and the id the parent knows: the web chat's id, a Telegram chat id,
or a WhatsApp phone number typed in full (search elsewhere masks numbers, so this is the only way in).
Export is one JSON document of all of it; erasure deletes it from both databases and keeps one audit
line that names the pseudonym and the counts, never content.

What is held about a parent, and where:

* the assistant's database: every event of the conversation (messages, answers, the pumping log, the
  check-in booking), the check-in rows, the conversation's lock tickets, the WhatsApp numbered
  options last offered;
* the review app's database: the conversation's index row, notes, tags, alerts with their deliveries,
  and holds by staff.

The retention job deletes the same rows (review/retention.py calls ``forget``).
"""
from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from review import audit
from review.privacy import pseudonym
from review.schema import alert, alert_delivery, conversation, erasure_done, events, hold, note, tag

log = logging.getLogger(__name__)

# The channels a parent writes from, and how staff type the parent's id on each.
CHANNELS = {
    "webchat": "Web chat: the conversation id (kept in the browser as pumping-coach-sender)",
    "telegram": "Telegram: the chat id",
    "whatsapp": "WhatsApp: the phone number in full, with the country code",
}
# Tables of the assistant's database keyed by the parent's id (created by the assistant when used):
# table -> the column holding the id.
TRACKER_TABLES = {"checkin": "sender_id", "conversation_ticket": "conversation_id", "twilio_numbered_options": "sender"}
# The longest id any channel uses (Rasa's sender_id column).
MAX_ID = 255


class NotFound(LookupError):
    pass


def sender_ids(channel: str, typed: str) -> List[str]:
    """The ids the assistant may have stored this parent under (a WhatsApp number has two spellings:
    Meta's Cloud API sends the digits, Twilio sends "whatsapp:+digits")."""
    typed = (typed or "").strip()
    if not typed or len(typed) > MAX_ID or channel not in CHANNELS:
        return []
    if channel == "whatsapp":
        digits = re.sub(r"\D", "", typed.removeprefix("whatsapp:"))
        return [digits, f"whatsapp:+{digits}"] if 6 <= len(digits) <= 15 else []  # E.164: at most 15 digits
    if channel == "telegram":
        return [typed] if re.fullmatch(r"-?\d{1,20}", typed) else []
    return [typed]


@dataclass
class Holdings:
    """What is held about one parent: counts, never content (what the page shows before an export)."""
    sender_id: str
    pseudonym: str
    events: int = 0
    first_at: Optional[float] = None
    last_at: Optional[float] = None
    tracker_rows: Dict[str, int] = field(default_factory=dict)
    notes: int = 0
    tags: int = 0
    alerts: int = 0
    holds: int = 0


def _present(tracker: "Engine | Connection") -> Dict[str, sa.Table]:
    inspector = sa.inspect(tracker)
    return {name: sa.table(name, sa.column(col)) for name, col in TRACKER_TABLES.items() if inspector.has_table(name)}


def _id_column(table: sa.Table) -> sa.ColumnClause:
    return table.c[TRACKER_TABLES[table.name]]


def holdings(tracker: Engine, own: Engine, sender: str, secret: bytes) -> Optional[Holdings]:
    """What is held under one stored id, or None when nothing is."""
    tables = _present(tracker)
    with tracker.connect() as conn:
        count, first, last = conn.execute(sa.select(sa.func.count(), sa.func.min(events.c.timestamp),
                                                    sa.func.max(events.c.timestamp))
                                          .where(events.c.sender_id == sender)).one()
        rows = {name: conn.execute(sa.select(sa.func.count()).select_from(t).where(_id_column(t) == sender)).scalar()
                for name, t in tables.items()}
    with own.connect() as conn:
        indexed = conn.execute(sa.select(sa.func.count()).select_from(conversation)
                               .where(conversation.c.sender_id == sender)).scalar()
        counts = holdings_in_review(conn, sender)
    if not (count or indexed or any(rows.values())):
        return None
    return Holdings(sender, pseudonym(secret, sender), count, first, last, {k: v for k, v in rows.items() if v}, **counts)


def find(tracker: Engine, own: Engine, channel: str, typed: str, secret: bytes) -> List[Holdings]:
    """Every stored conversation of the parent on ``channel`` (usually one)."""
    return [held for sender in sender_ids(channel, typed) if (held := holdings(tracker, own, sender, secret))]


def _rows(conn: Connection, query: Any) -> List[Dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(query)]


def export(tracker: Engine, own: Engine, sender_id: str) -> Dict[str, Any]:
    """Everything held about the parent, as plain data (events decoded)."""
    with tracker.connect() as conn:
        stored = _rows(conn, sa.select(events).where(events.c.sender_id == sender_id).order_by(events.c.id))
        other = {}
        for name in _present(tracker):
            full = sa.Table(name, sa.MetaData(), autoload_with=conn)
            other[name] = _rows(conn, sa.select(full).where(full.c[TRACKER_TABLES[name]] == sender_id))
    for row in stored:
        try:
            row["data"] = json.loads(row["data"] or "null")
        except ValueError:
            pass  # kept as the text it is
    with own.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id == sender_id))]
        review = {
            "conversation": _rows(conn, sa.select(conversation).where(conversation.c.id.in_(ids))),
            "notes": _rows(conn, sa.select(note).where(note.c.conversation_id.in_(ids)).order_by(note.c.id)),
            "tags": _rows(conn, sa.select(tag).where(tag.c.conversation_id.in_(ids)).order_by(tag.c.id)),
            "alerts": _rows(conn, sa.select(alert).where(alert.c.conversation_id.in_(ids)).order_by(alert.c.id)),
            "alert_deliveries": _rows(conn, sa.select(alert_delivery).where(alert_delivery.c.alert_id.in_(
                sa.select(alert.c.id).where(alert.c.conversation_id.in_(ids)))).order_by(alert_delivery.c.id)),
            "holds": _rows(conn, sa.select(hold).where(hold.c.conversation_id.in_(ids)).order_by(hold.c.id)),
        }
    return {"sender_id": sender_id, "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "events": stored, "assistant_tables": other, "review": review}


def forget(tracker_conn: Connection, own_conn: Connection, senders: Sequence[str]) -> "tuple[int, int]":
    """Delete the senders' rows from both databases (inside the callers' transactions).
    Returns (events deleted, conversations deleted from the index)."""
    deleted_events = tracker_conn.execute(events.delete().where(events.c.sender_id.in_(senders))).rowcount
    for table in _present(tracker_conn).values():
        tracker_conn.execute(table.delete().where(_id_column(table).in_(senders)))
    return deleted_events, forget_review(own_conn, senders)


def forget_review(own_conn: Connection, senders: Sequence[str]) -> int:
    """Delete the review app's rows about the senders; returns the index rows deleted."""
    ids = [r[0] for r in own_conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id.in_(senders)))]
    own_conn.execute(note.delete().where(note.c.conversation_id.in_(ids)))
    own_conn.execute(tag.delete().where(tag.c.conversation_id.in_(ids)))
    alert_ids = sa.select(alert.c.id).where(alert.c.conversation_id.in_(ids))
    own_conn.execute(alert_delivery.delete().where(alert_delivery.c.alert_id.in_(alert_ids)))
    own_conn.execute(alert.delete().where(alert.c.conversation_id.in_(ids)))
    own_conn.execute(hold.delete().where(hold.c.conversation_id.in_(ids)))
    return own_conn.execute(conversation.delete().where(conversation.c.id.in_(ids))).rowcount


def erase(tracker_writable: Engine, own: Engine, sender_id: str, secret: bytes, actor: str, address: str = "",
          why: str = "the parent's request") -> Holdings:
    """Delete everything held about the parent; one audit line (pseudonym and counts) stays.
    Raises NotFound when nothing is held."""
    held = holdings(tracker_writable, own, sender_id, secret)
    if held is None:
        raise NotFound("Nothing is stored under that id.")
    # The assistant's transaction is the inner one, so it commits first: if the review app's then fails,
    # the index row left behind lists the conversation (now empty) and the erase can be run again; the
    # other order could leave the conversation's content with nothing listing it.
    with own.begin() as oconn, tracker_writable.begin() as tconn:
        forget(tconn, oconn, [sender_id])
    with own.begin() as conn:
        audit.record(conn, actor, "erase", held.pseudonym,
                     f"{why}: {held.events} events, {sum(held.tracker_rows.values())} other rows of the assistant, "
                     f"{held.notes} notes, {held.alerts} alerts, {held.holds} holds", address)
    return held


def process_parent_requests(tracker: Engine, own: Engine, secret: bytes,
                            tracker_writable: Optional[Callable[[], Engine]] = None) -> int:
    """The conversations parents erased in the chat (channels/erasure.py): the assistant has deleted its
    rows; delete the review app's copy and write the audit line, once per request. Returns how many.

    The request row holds the parent's id; with ``tracker_writable`` (the alert worker's) it is deleted
    once done, so the id is gone from both databases within a round. Without it, the assistant's check-in
    loop deletes it after a week."""
    if not sa.inspect(tracker).has_table("erasure_request"):
        return 0
    requests = sa.table("erasure_request", sa.column("id"), sa.column("sender_id"), sa.column("requested_at"))
    with tracker.connect() as conn:
        pending = conn.execute(sa.select(requests.c.id, requests.c.sender_id).order_by(requests.c.id)).all()
    done = 0
    for request_id, sender in pending:
        with own.begin() as conn:
            if conn.execute(sa.select(erasure_done.c.request_id).where(erasure_done.c.request_id == request_id)).first():
                continue
            held = holdings_in_review(conn, sender)
            forget_review(conn, [sender])
            conn.execute(erasure_done.insert().values(request_id=request_id, done_at=time.time()))
            audit.record(conn, "parent", "erase", pseudonym(secret, sender),
                         f"asked in the chat: the assistant's copy deleted by the assistant; {held['notes']} notes, "
                         f"{held['alerts']} alerts, {held['holds']} holds deleted here")
        done += 1
    if pending and tracker_writable is not None:
        try:
            with tracker_writable().begin() as conn:
                conn.execute(requests.delete().where(requests.c.id.in_([request_id for request_id, _ in pending])))
        except sa.exc.SQLAlchemyError as error:
            # A role that may only read (docs/review.md): the assistant's weekly purge deletes them instead.
            log.warning("erasure requests done but not deleted from the conversations database (%s)",
                        type(error).__name__)
    return done


def holdings_in_review(conn: Connection, sender: str) -> Dict[str, int]:
    ids = [r[0] for r in conn.execute(sa.select(conversation.c.id).where(conversation.c.sender_id == sender))]
    return {name: conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.conversation_id.in_(ids))).scalar()
            for name, t in (("notes", note), ("tags", tag), ("alerts", alert), ("holds", hold))}
