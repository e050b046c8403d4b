"""Check-ins: whether a conversation got one, and what a parent answered to the check-in after a diagnosis (better, same, worse, no_reply).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16)))
        batch.add_column(sa.Column("checked_in", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_conversation_outcome", "conversation", ["outcome"])


def downgrade() -> None:
    op.drop_index("ix_conversation_outcome", "conversation")
    with op.batch_alter_table("conversation") as batch:
        batch.drop_column("outcome")
        batch.drop_column("checked_in")
