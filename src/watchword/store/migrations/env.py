"""Alembic environment: uses the caller's engine so SQLite pragmas apply to migrations too."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from watchword.store.schema import metadata as target_metadata_all

config = context.config
target_metadata = target_metadata_all


def run_migrations_online() -> None:
    engine = config.attributes.get("connection_engine") or create_engine(
        config.get_main_option("sqlalchemy.url") or "sqlite:///var/watchword.db"
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place: batch mode rebuilds the table.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
