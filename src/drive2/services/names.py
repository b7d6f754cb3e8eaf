"""Kept for imports written before the helpers moved: they are pure, so they live in
domain/names.py (pipeline and adapters may import them from there)."""

from drive2.domain.names import normalise_tags, safe_filename

__all__ = ["normalise_tags", "safe_filename"]
