"""When the alert worker last finished a round, for the review app's health check (review/ops.py); and
the parents' erasure requests already carried out (review/erasure.py).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_beat",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("beat_at", sa.Float, nullable=False),
        sa.Column("detail", sa.String(255), nullable=False, server_default=""),
    )
    op.create_table(
        "erasure_done",
        sa.Column("request_id", sa.Integer, primary_key=True),
        sa.Column("done_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erasure_done")
    op.drop_table("worker_beat")
