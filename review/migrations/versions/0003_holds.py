"""Holds: a person from the clinic has taken a conversation over from the assistant.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hold",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversation.id"), nullable=False),
        sa.Column("held_by", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(40), nullable=False),
        sa.Column("since", sa.Float, nullable=False),
        sa.Column("last_reply_at", sa.Float),
        sa.Column("replies", sa.Integer, nullable=False),
        sa.Column("released_at", sa.Float),
        sa.Column("released_by", sa.String(64)),
    )
    op.create_index("ix_hold_conversation_id", "hold", ["conversation_id"])
    op.create_index("ix_hold_released_at", "hold", ["released_at"])


def downgrade() -> None:
    op.drop_table("hold")
