"""Alembic environment. Always driven from ``crm_store.migrate`` with a live connection."""

from __future__ import annotations

from alembic import context

from crm_store.models import Base

target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        user_module_prefix="crm_store.columns.",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `salesbot db upgrade` (crm_store.migrate)")
_run(connection)
