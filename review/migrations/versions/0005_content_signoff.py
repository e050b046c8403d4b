"""A clinician's sign-off of a content version (the content book, coach/content_book.py).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_signoff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("clinician", sa.String(120), nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.Float, nullable=False),
    )
    op.create_index("ix_content_signoff_version", "content_signoff", ["version"])
    op.create_index("ix_content_signoff_signed_at", "content_signoff", ["signed_at"])


def downgrade() -> None:
    op.drop_table("content_signoff")
