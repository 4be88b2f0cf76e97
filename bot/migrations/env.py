"""Alembic environment: runs on the connection handed over by bot.db.upgrade."""

from alembic import context

from bot.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through bot.db.upgrade
    raise SystemExit("run migrations with `leerroute db upgrade`")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
