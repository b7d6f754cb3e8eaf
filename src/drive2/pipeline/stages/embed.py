"""Stage: the text cut into chunks, embedded, and stored in the vector index.

Chunks are windows of the model's own tokens (CHUNK_TOKENS, overlapping by
CHUNK_OVERLAP_TOKENS, at most MAX_CHUNKS_PER_FILE), embedded in batches. The file's points in
the model's collection are replaced as a whole, so a re-run (retry or reprocess) leaves exactly
one set there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from drive2.domain.errors import TransientProcessingError
from drive2.domain.file_passages import embedding_text, own_passages
from drive2.pipeline.context import ProcessingContext
from drive2.ports.embedder import Embedder
from drive2.ports.vector_index import VectorIndex, VectorIndexUnavailable, VectorPoint

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]", re.UNICODE)
#: Chunks handed to the model per call: bounded memory for long documents.
EMBED_BATCH_CHUNKS = 64


def _embedded_text(ctx: ProcessingContext) -> str:
    return embedding_text(ctx.text, ctx.ai.summary if ctx.ai else None, ctx.metadata)


class EmbedStage:
    name = "embed"
    optional = False

    def __init__(self, embedder: Embedder, vectors: VectorIndex) -> None:
        self.embedder = embedder
        self.vectors = vectors

    def applies(self, ctx: ProcessingContext) -> bool:
        return bool(_WORD.search(_embedded_text(ctx)))

    def run(self, ctx: ProcessingContext) -> None:
        settings = ctx.settings
        model, dimension = self.embedder.model_name, self.embedder.dimension
        try:
            points = chunk_points(
                self.embedder,
                ctx.file.id,
                ctx.file.user_id,
                _embedded_text(ctx),
                settings.chunk_tokens,
                settings.chunk_overlap_tokens,
                settings.max_chunks_per_file,
                passages=own_passages(ctx.ai),
            )
            # This model's collection only: while another model's collection still serves
            # search (re-embedding after a model change), the file stays findable there.
            self.vectors.replace_file(model, dimension, ctx.file.id, points)
        except (OSError, MemoryError, VectorIndexUnavailable) as exc:
            # The model files, the disk or the index server: that passes; the task retries.
            raise TransientProcessingError(f"embedding: {type(exc).__name__}: {exc}") from exc
        log.info("file %s: %d chunks embedded with %s", ctx.file.id, len(points), model)


def chunk_points(
    embedder: Embedder,
    file_id: str,
    user_id: str,
    text: str,
    chunk_tokens: int,
    overlap_tokens: int,
    max_chunks: int,
    passages: Sequence[str] = (),
) -> list[VectorPoint]:
    """The file's own passages (what it is), then its text cut into windows of the model's
    tokens, embedded, as points."""
    chunks = [*passages, *embedder.split_tokens(text, chunk_tokens, overlap_tokens)]
    chunks = [c for c in chunks if _WORD.search(c)][:max_chunks]
    points: list[VectorPoint] = []
    for start in range(0, len(chunks), EMBED_BATCH_CHUNKS):
        batch = chunks[start : start + EMBED_BATCH_CHUNKS]
        vectors = embedder.embed(batch)
        points.extend(
            VectorPoint(
                file_id=file_id,
                user_id=user_id,
                chunk=start + offset,
                text=chunk,
                vector=vectors[offset],
            )
            for offset, chunk in enumerate(batch)
        )
    return points
