"""One container per worker process, built after the fork (engines must not cross it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.signals import worker_process_init

from drive2.bootstrap import Container, build_container
from drive2.config import get_settings

_container: Container | None = None


def container() -> Container:
    global _container
    if _container is None:
        _container = build_container(get_settings())
    return _container


@worker_process_init.connect
def _fresh_container_after_fork(**_: Any) -> None:
    global _container
    if _container is not None:
        _container.close()
    _container = None


@contextmanager
def short_lived_container() -> Iterator[Container]:
    """For the worker's main process, which must not keep connections its children inherit."""
    c = build_container(get_settings())
    try:
        yield c
    finally:
        c.close()
