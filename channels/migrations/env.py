"""Alembic environment for the assistant's own tables: the caller (channels.schema.upgrade) hands over an
open connection. The version is kept in its own table so that a clinic may put the review app's tables
(with their `alembic_version`) in the same PostgreSQL database without the two histories mixing."""
from alembic import context

from channels.schema import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
