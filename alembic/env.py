"""Alembic environment: synchronous driver, SQLModel metadata, batch mode on SQLite.

The URL comes from ``config.attributes["url"]`` when the BFF runs migrations itself
(``adapters.db.migrations``), else from the settings (``BFF_DATABASE_URL``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from adapters.db.engine import ensure_sqlite_dir, sync_url
from adapters.db.schema import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = config.attributes.get("url")
    if url is None:
        from api.settings import Settings

        url = Settings().database.url
    return sync_url(str(url))


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    # procrastinate's tables live in their own schema, made by a migration of ours from its SQL.
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _url()
    ensure_sqlite_dir(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=_include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
