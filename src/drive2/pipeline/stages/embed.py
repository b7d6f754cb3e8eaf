"""Stage: the text cut into chunks, embedded, and stored in the vector index.

Chunks are windows of the model's own tokens (CHUNK_TOKENS, overlapping by
CHUNK_OVERLAP_TOKENS, at most MAX_CHUNKS_PER_FILE), embedded in batches. The file's old points
go first and the new ones follow, so a re-run (retry or reprocess) leaves exactly one set.
"""

from __future__ import annotations

import logging
import re

from drive2.domain.errors import TransientProcessingError
from drive2.pipeline.context import ProcessingContext
from drive2.ports.embedder import Embedder
from drive2.ports.vector_index import VectorIndex, VectorIndexUnavailable, VectorPoint

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]", re.UNICODE)
#: Chunks handed to the model per call: bounded memory for long documents.
EMBED_BATCH_CHUNKS = 64


class EmbedStage:
    name = "embed"
    optional = False

    def __init__(self, embedder: Embedder, vectors: VectorIndex) -> None:
        self.embedder = embedder
        self.vectors = vectors

    def applies(self, ctx: ProcessingContext) -> bool:
        return bool(_WORD.search(ctx.text))

    def run(self, ctx: ProcessingContext) -> None:
        settings = ctx.settings
        try:
            # What the file is (its money record) first, in chunks of its own.
            chunks = [d for d in ctx.descriptions if _WORD.search(d)]
            chunks += self.embedder.split_tokens(
                ctx.text, settings.chunk_tokens, settings.chunk_overlap_tokens
            )
            chunks = [c for c in chunks if _WORD.search(c)][: settings.max_chunks_per_file]
            points: list[VectorPoint] = []
            for start in range(0, len(chunks), EMBED_BATCH_CHUNKS):
                batch = chunks[start : start + EMBED_BATCH_CHUNKS]
                vectors = self.embedder.embed(batch)
                points.extend(
                    VectorPoint(
                        file_id=ctx.file.id,
                        user_id=ctx.file.user_id,
                        chunk=start + offset,
                        text=text,
                        vector=vectors[offset],
                    )
                    for offset, text in enumerate(batch)
                )
            model, dimension = self.embedder.model_name, self.embedder.dimension
            self.vectors.delete_file(ctx.file.id)
            self.vectors.upsert(model, dimension, points)
        except (OSError, MemoryError, VectorIndexUnavailable) as exc:
            # The model files, the disk or the index server: that passes; the task retries.
            raise TransientProcessingError(f"embedding: {type(exc).__name__}: {exc}") from exc
        log.info("file %s: %d chunks embedded with %s", ctx.file.id, len(points), model)
