"""The API's entry point: `uvicorn --factory drive2.api.asgi:create_app_from_env` (what
`drive2 serve`, the supervisor and docker-compose start). With bootstrap, the only part of the
API's world that knows how the services are built (tests/unit/test_layering.py)."""

from __future__ import annotations

from fastapi import FastAPI

from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import get_settings
from drive2.data_dir import private_umask
from drive2.logging_setup import configure_logging


def create_app_from_env() -> FastAPI:
    private_umask()  # also when uvicorn is started without the drive2 command
    settings = get_settings()
    configure_logging(settings)
    return create_app(build_container(settings))
