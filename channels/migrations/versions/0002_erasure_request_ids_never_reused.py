"""Erasure requests get ids that are never reused.

The review app records each request it has carried out by its id (review's `erasure_done`) and, since
0.10.0, deletes the request row once done. SQLite gives a new row the highest id plus one, so after the
newest request was deleted the next parent's request got the same id and was taken for one already done:
that parent's copy in the review app was left in place. AUTOINCREMENT makes SQLite count on from the
highest id it ever gave; PostgreSQL's sequences never go back, so only SQLite's table changes (rebuilt
with its rows, as SQLite cannot alter a key in place).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("erasure_request", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.alter_column("id", autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("erasure_request", recreate="always") as batch:
            batch.alter_column("id", autoincrement=True)
