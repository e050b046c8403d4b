"""The assistant's tables beside Rasa's `events`, as version 0.9 created them without migrations.

A database from before migrations already has some or all of them (each server made the ones it
used, when it first needed them): those are kept as they are, with their rows, and only missing ones are
made. The definitions are written out here, not imported, so that later changes to the code's tables
come as new revisions and this one stays what it was.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables():
    return {
        # The conversation locks (rasa_patches/sql_lock_store.py).
        "conversation_ticket": (
            [sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("conversation_id", sa.String(255), nullable=False),
             sa.Column("expires_at", sa.Float, nullable=False)],
            {"sqlite_autoincrement": True},
            [("ix_conversation_ticket_conversation_id", ["conversation_id"])]),
        # Platform message ids already handled (channels/common.py).
        "channel_message_seen": (
            [sa.Column("message_key", sa.String(255), primary_key=True),
             sa.Column("seen_at", sa.Float, nullable=False)],
            {},
            [("ix_channel_message_seen_seen_at", ["seen_at"])]),
        # Check-ins (channels/checkins.py).
        "checkin": (
            [sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("event_id", sa.Integer, nullable=False, unique=True),
             sa.Column("sender_id", sa.String(255), nullable=False),
             sa.Column("due_at", sa.Float, nullable=False),
             sa.Column("created_at", sa.Float, nullable=False),
             sa.Column("status", sa.String(16), nullable=False),
             sa.Column("claimed_by", sa.String(128)),
             sa.Column("claimed_at", sa.Float),
             sa.Column("sent_at", sa.Float),
             sa.Column("channel", sa.String(32)),
             sa.Column("reason", sa.String(255)),
             sa.Column("attempts", sa.Integer, nullable=False)],
            {},
            [("ix_checkin_sender_id", ["sender_id"]), ("ix_checkin_status", ["status"])]),
        "checkin_cursor": (
            [sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("event_id", sa.Integer, nullable=False)],
            {}, []),
        # The numbered options last offered on Twilio's WhatsApp (channels/twilio_whatsapp.py).
        "twilio_numbered_options": (
            [sa.Column("sender", sa.String(255), primary_key=True),
             sa.Column("payloads", sa.Text, nullable=False)],
            {}, []),
        # Conversations a parent erased in the chat, for the review app (channels/erasure.py).
        "erasure_request": (
            [sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("sender_id", sa.String(255), nullable=False),
             sa.Column("requested_at", sa.Float, nullable=False)],
            {},
            [("ix_erasure_request_requested_at", ["requested_at"])]),
    }


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for name, (columns, options, indexes) in _tables().items():
        if name in present:
            continue
        op.create_table(name, *columns, **options)
        for index_name, index_columns in indexes:
            op.create_index(index_name, name, index_columns)


def downgrade() -> None:
    for name in reversed(list(_tables())):
        op.drop_table(name)
