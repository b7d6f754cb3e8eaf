"""multilingual-e5-small for the cross-language tests: Drive2's own adapter, built by the
container as a deployment builds it (loaded once per test process)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from tempfile import mkdtemp

from drive2.bootstrap import build_container
from drive2.config import Settings
from drive2.ports.embedder import Embedder

E5_NAME = "multilingual-e5-small"


@lru_cache(maxsize=1)
def e5_embedder() -> Embedder:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DRIVE2_DATA_DIR=Path(mkdtemp()), EMBEDDING_MODEL=E5_NAME
    )
    embedder: Embedder = build_container(settings).embedder
    assert embedder.model_name == E5_NAME, embedder.model_name
    return embedder
