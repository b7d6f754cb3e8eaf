"""Object keys are made by the server only; a user's filename never reaches a path."""

from __future__ import annotations

import re

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def validate_key(key: str) -> str:
    if not _SAFE_KEY.match(key) or ".." in key or "//" in key or len(key) > 512:
        raise ValueError(f"unsafe object key: {key!r}")
    return key


def original_key(user_id: str, file_id: str) -> str:
    return validate_key(f"originals/{user_id}/{file_id}")


def thumbnail_key(user_id: str, file_id: str) -> str:
    return validate_key(f"thumbnails/{user_id}/{file_id}.jpg")


def preview_key(user_id: str, file_id: str) -> str:
    return validate_key(f"previews/{user_id}/{file_id}.jpg")
