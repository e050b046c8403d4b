"""One conversation: its transcript, notes, tags and review mark, and exports of several."""
from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from review import audit
from review.events import EventRow, Item, Summary, final_slots, last_pumping_log, transcript
from review.indexer import summary_from_row, summary_values
from review.schema import conversation, events, note, tag

NOTE_MAX = 4000
TAG_MAX = 40


class NotFound(LookupError):
    pass


class InvalidInput(ValueError):
    """Input a member of staff can correct; the message is safe to show."""


def find(conn: Connection, pseudonym: str):
    row = conn.execute(sa.select(conversation).where(conversation.c.pseudonym == pseudonym)).first()
    if row is None:
        raise NotFound(pseudonym)
    return row


def event_rows(tracker: Engine, sender_id: str) -> List[EventRow]:
    with tracker.connect() as conn:
        query = (sa.select(events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp,
                           events.c.intent_name, events.c.action_name, events.c.data)
                 .where(events.c.sender_id == sender_id).order_by(events.c.id))
        return [EventRow(*row) for row in conn.execute(query)]


@dataclass
class Detail:
    row: Any
    items: List[Item]
    slots: Dict[str, Any]
    notes: List[Any]
    tags: List[Any]
    notes_by_event: Dict[int, List[Any]]
    # The parent's pumping log (coach/pumping_log.py entries), newest last; shown in its own panel.
    pumping_log: List[Dict[str, Any]] = field(default_factory=list)


def detail(conn: Connection, tracker: Engine, pseudonym: str, reveal: bool = False,
           low_confidence: float = 0.5) -> Detail:
    row = find(conn, pseudonym)
    rows = event_rows(tracker, row.sender_id)
    items = transcript(rows, reveal=reveal, low_confidence=low_confidence)
    notes = conn.execute(sa.select(note).where(note.c.conversation_id == row.id).order_by(note.c.created_at)).all()
    tags = conn.execute(sa.select(tag).where(tag.c.conversation_id == row.id).order_by(tag.c.name)).all()
    by_event: Dict[int, List[Any]] = {}
    for n in notes:
        if n.event_id is not None:
            by_event.setdefault(n.event_id, []).append(n)
    return Detail(row, items, final_slots(items), notes, tags, by_event, last_pumping_log(rows))


def pumping_log(tracker: Engine, sender_id: str) -> List[Dict[str, Any]]:
    return last_pumping_log(event_rows(tracker, sender_id))


def mark_reviewed(conn: Connection, pseudonym: str, actor: str, address: str = "", seen_last_at: str = "") -> bool:
    """Clear the conversation's wait, unless messages arrived after the page the reviewer read.

    `seen_last_at` is the last message time the page showed; False means nothing was changed.
    """
    row = find(conn, pseudonym)
    if seen_last_at and seen_last_at != repr(row.last_at):
        return False
    summary: Summary = summary_from_row(row)
    summary.mark_reviewed()
    values = summary_values(summary)
    conn.execute(conversation.update().where(conversation.c.id == row.id).values(
        attention_at=values["attention_at"], attention_reasons=values["attention_reasons"],
        misses_pending=values["misses_pending"], reviewed_at=time.time(), reviewed_by=actor))
    audit.record(conn, actor, "reviewed", pseudonym, f"was waiting for: {row.attention_reasons.strip(',') or '-'}",
                 address)
    return True


def _has_event(tracker: Engine, sender_id: str, event_id: int) -> bool:
    with tracker.connect() as conn:
        return conn.execute(sa.select(events.c.id).where(events.c.id == event_id, events.c.sender_id == sender_id)
                            ).first() is not None


def add_note(conn: Connection, tracker: Engine, pseudonym: str, body: str, actor: str,
             event_id: Optional[int] = None, address: str = "") -> None:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("The note is empty.")
    if len(body) > NOTE_MAX:
        raise InvalidInput(f"Notes are limited to {NOTE_MAX} characters.")
    row = find(conn, pseudonym)
    if event_id is not None and not _has_event(tracker, row.sender_id, event_id):
        raise InvalidInput("That message is not part of this conversation.")
    conn.execute(note.insert().values(conversation_id=row.id, event_id=event_id, author=actor, created_at=time.time(),
                                      body=body))
    audit.record(conn, actor, "note", pseudonym, f"on message {event_id}" if event_id else "on conversation", address)


def add_tag(conn: Connection, pseudonym: str, name: str, actor: str, address: str = "") -> None:
    name = " ".join((name or "").lower().split())
    if not name or len(name) > TAG_MAX:
        raise InvalidInput(f"Tags are 1-{TAG_MAX} characters.")
    row = find(conn, pseudonym)
    exists = conn.execute(sa.select(tag.c.id).where(tag.c.conversation_id == row.id, tag.c.name == name)).first()
    if exists is None:
        conn.execute(tag.insert().values(conversation_id=row.id, name=name, author=actor, created_at=time.time()))
        audit.record(conn, actor, "tag", pseudonym, name, address)


def remove_tag(conn: Connection, pseudonym: str, name: str, actor: str, address: str = "") -> None:
    row = find(conn, pseudonym)
    if conn.execute(tag.delete().where(tag.c.conversation_id == row.id, tag.c.name == name)).rowcount:
        audit.record(conn, actor, "untag", pseudonym, name, address)


# --- export -----------------------------------------------------------------------------------------

EXPORT_FIELDS = ["conversation", "channel", "event_id", "time_utc", "speaker", "text", "intent", "confidence",
                 "quick_reply", "red_flag", "misunderstood", "suspected_cause", "outcome", "tags", "notes"]
EXPORT_MAX = 500  # conversations per export: an audit or a training-data review, not a database dump


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def export_records(conn: Connection, tracker: Engine, pseudonyms: Sequence[str],
                   low_confidence: float) -> List[Dict[str, Any]]:
    """Masked, pseudonymised messages of the chosen conversations, one record per message."""
    records: List[Dict[str, Any]] = []
    for p in pseudonyms:
        d = detail(conn, tracker, p, low_confidence=low_confidence)
        tags = ";".join(t.name for t in d.tags)
        conversation_notes = " | ".join(f"{n.author}: {n.body}" for n in d.notes if n.event_id is None)
        records.append({"conversation": p, "channel": d.row.channel, "event_id": None, "time_utc": _iso(d.row.first_at),
                        "speaker": "note", "text": conversation_notes, "intent": None, "confidence": None,
                        "quick_reply": False, "red_flag": bool(d.row.red_flag), "misunderstood": False,
                        "suspected_cause": d.row.suspected_cause, "outcome": d.row.outcome, "tags": tags, "notes": ""})
        for item in d.items:
            if item.kind not in ("user", "bot"):
                continue
            records.append({
                "conversation": p, "channel": d.row.channel, "event_id": item.event_id, "time_utc": _iso(item.at),
                "speaker": "parent" if item.kind == "user" else "assistant", "text": item.text, "intent": item.intent,
                "confidence": round(item.confidence, 4) if item.confidence is not None else None,
                "quick_reply": item.tapped, "red_flag": item.red_flag, "misunderstood": item.misunderstood,
                "suspected_cause": d.row.suspected_cause, "outcome": d.row.outcome, "tags": tags,
                "notes": " | ".join(f"{n.author}: {n.body}" for n in d.notes_by_event.get(item.event_id, [])),
            })
    return records


def as_csv(records: List[Dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for record in records:
        # A cell starting with = + - @ is a formula to a spreadsheet: prefix it so it stays text.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@\t\r" else v)
                         for k, v in record.items()})
    return out.getvalue()


def as_json(records: List[Dict[str, Any]]) -> str:
    return json.dumps({"fields": EXPORT_FIELDS, "messages": records}, ensure_ascii=False, indent=1)
