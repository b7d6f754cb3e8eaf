"""Run Alembic programmatically, so `drive2 migrate` needs no alembic.ini."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from drive2.adapters.db.engine import normalise_url


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "drive2:migrations")
    # Alembic's ini parser treats % as interpolation; escape it for passwords with %.
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
