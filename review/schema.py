"""Tables: Rasa's `events` (read, never written by the web app) and the app's own tables.

The app's tables are created and changed only by the Alembic migrations in review/migrations; this
module describes them for queries.
"""
from __future__ import annotations

from typing import Iterable, List, Optional

import sqlalchemy as sa


# `topics` and `attention_reasons` hold sets as ",a,b,": a LIKE '%,a,%' finds one member.
def csv_values(value: Optional[str]) -> List[str]:
    return [part for part in (value or "").split(",") if part]


def as_csv_column(values: Iterable[str]) -> str:
    return "," + "".join(f"{v}," for v in sorted(values))


# Rasa 3.6's SQLTrackerStore table, as rasa/core/tracker_store.py declares it.
tracker_metadata = sa.MetaData()
events = sa.Table(
    "events", tracker_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

metadata = sa.MetaData()

staff = sa.Table(
    "staff", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # reviewer | admin
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("must_change_password", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

staff_session = sa.Table(
    "staff_session", metadata,
    # Only a hash of the cookie's token is stored: a copy of the database cannot log anyone in.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
)

# One row per conversation (Rasa sender id), kept up to date from `events` by review/indexer.py so
# the queue and the list never scan the events themselves.
conversation = sa.Table(
    "conversation", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, unique=True),
    sa.Column("pseudonym", sa.String(32), nullable=False, unique=True),
    sa.Column("channel", sa.String(32)),
    sa.Column("first_at", sa.Float, nullable=False),
    sa.Column("last_at", sa.Float, nullable=False, index=True),
    sa.Column("user_messages", sa.Integer, nullable=False, default=0),
    sa.Column("misunderstandings", sa.Integer, nullable=False, default=0),
    sa.Column("misses_pending", sa.Integer, nullable=False, default=0),
    sa.Column("red_flag", sa.String(32)),
    sa.Column("handoff", sa.Boolean, nullable=False, default=False),
    sa.Column("suspected_cause", sa.String(32)),
    sa.Column("topics", sa.String(512), nullable=False, default=","),  # ",storage,cleaning,"
    # When the oldest unhandled reason to look at it arose; NULL when nothing waits.
    sa.Column("attention_at", sa.Float, index=True),
    sa.Column("attention_reasons", sa.String(64), nullable=False, default=","),
    sa.Column("reviewed_at", sa.Float),
    sa.Column("reviewed_by", sa.String(64)),
    # Lower-cased, masked user messages, for the free-text search.
    sa.Column("search_text", sa.Text, nullable=False, default=""),
    # Whether the previous user turn already counted as a misunderstanding (one per turn).
    sa.Column("turn_missed", sa.Boolean, nullable=False, default=False),
    # The check-in's answer (coach.checkins.OUTCOMES); NULL when no check-in was answered or missed.
    sa.Column("outcome", sa.String(16), index=True),
    sa.Column("checked_in", sa.Boolean, nullable=False, default=False),  # a check-in question was sent
)

index_state = sa.Table(
    "index_state", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

note = sa.Table(
    "note", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversation.id"), nullable=False, index=True),
    sa.Column("event_id", sa.Integer),  # the message it is about, or NULL for the whole conversation
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

tag = sa.Table(
    "tag", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversation.id"), nullable=False, index=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("conversation_id", "name"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False),  # a staff name, or "cli"
    sa.Column("action", sa.String(32), nullable=False, index=True),
    sa.Column("target", sa.String(255), nullable=False, default=""),  # a pseudonym or account name
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("address", sa.String(64), nullable=False, default=""),
)

# Alerts to the clinic's on-call (review/alerts.py). The indexer writes an alert in the same
# transaction that indexes the event behind it, so each is made exactly once, whoever indexes.
alert = sa.Table(
    "alert", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversation.id"), nullable=False, index=True),
    sa.Column("reason", sa.String(32), nullable=False),  # red_flag | handoff | misunderstood
    sa.Column("channel", sa.String(32)),
    sa.Column("at", sa.Float, nullable=False),  # when the conversation gave the reason
    sa.Column("created_at", sa.Float, nullable=False, index=True),
)

# The outbox: one row per alert and destination (email, webhook), sent by the alert worker.
alert_delivery = sa.Table(
    "alert_delivery", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alert.id"), nullable=False),
    sa.Column("destination", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    # A worker that claims a delivery owns it until then; a crashed worker's claim simply runs out.
    sa.Column("claimed_until", sa.Float),
    sa.Column("last_error", sa.String(300)),
    sa.Column("sent_at", sa.Float),
    sa.UniqueConstraint("alert_id", "destination"),
)

# A person from the clinic holding a conversation (review/handoff.py); the open hold has no released_at.
hold = sa.Table(
    "hold", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversation.id"), nullable=False, index=True),
    sa.Column("held_by", sa.String(64), nullable=False),  # the staff account
    sa.Column("display_name", sa.String(40), nullable=False),  # what the parent sees
    sa.Column("since", sa.Float, nullable=False),
    sa.Column("last_reply_at", sa.Float),
    sa.Column("replies", sa.Integer, nullable=False, default=0),
    sa.Column("released_at", sa.Float, index=True),
    sa.Column("released_by", sa.String(64)),  # a staff name, or "idle" when the worker handed it back
)

# A clinician's sign-off of one version of the content (coach/content_book.py), recorded by an admin.
content_signoff = sa.Table(
    "content_signoff", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.String(32), nullable=False, index=True),  # the content book's version
    sa.Column("clinician", sa.String(120), nullable=False),  # who read and agreed to it
    sa.Column("notes", sa.Text, nullable=False, default=""),
    sa.Column("recorded_by", sa.String(64), nullable=False),  # the admin account that recorded it
    sa.Column("signed_at", sa.Float, nullable=False, index=True),
)

# When each background worker last finished a round (review/ops.py): the alert worker is a separate
# process, and a health check must see that it is alive, not only that it was started.
worker_beat = sa.Table(
    "worker_beat", metadata,
    sa.Column("name", sa.String(32), primary_key=True),  # "alerts"
    sa.Column("beat_at", sa.Float, nullable=False),
    sa.Column("detail", sa.String(255), nullable=False, default=""),
)

# The parents' requests to erase a conversation, made in the chat (channels/erasure.py), that this app
# has already carried out: the request's id only, so each is audited once.
erasure_done = sa.Table(
    "erasure_done", metadata,
    sa.Column("request_id", sa.Integer, primary_key=True),
    sa.Column("done_at", sa.Float, nullable=False),
)
