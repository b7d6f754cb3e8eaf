"""Metadata readers: each returns a plain dict of top-level metadata sections with stable key
names (documented in the README), omitting what the file does not say.

    image.py  -> {"image": {...}, "exif": {...}, "gps": {...}}
    pdf.py    -> {"pdf": {...}, "encrypted": bool}
    media.py  -> {"media": {...}}
"""

from __future__ import annotations

from typing import Any


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys whose value is unknown (None or an empty string)."""
    return {k: v for k, v in values.items() if v is not None and v != ""}
