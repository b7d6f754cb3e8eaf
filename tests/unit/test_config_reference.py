"""The configuration reference in docs/operations.md is generated from the Settings class and
must be current: a setting added without regenerating the page fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from drive2.config import Settings
from drive2.config_reference import (
    BEGIN,
    END,
    ENV_EXAMPLE,
    REGENERATE,
    current_block,
    render_reference,
    replace_block,
    setting_docs,
    update_document,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_operations_guide_has_the_current_reference() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert current_block(document) == render_reference(), (
        f"docs/operations.md's configuration reference is out of date; regenerate it with "
        f"`.venv/bin/{REGENERATE}` (or `make docs`) and commit the result"
    )


def test_every_setting_is_in_the_reference_with_a_description() -> None:
    docs = {d.env: d for d in setting_docs()}
    aliases = {(info.alias or name).upper() for name, info in Settings.model_fields.items()}
    assert set(docs) == aliases
    rendered = render_reference()
    for env, doc in docs.items():
        assert f"| `{env}` |" in rendered
        assert doc.description, f"{env} has no comment above it in .env.example"
    assert (
        docs["S3_BUCKET"].default == "drive2" and docs["S3_BUCKET"].section == "where things live"
    )
    assert docs["DATABASE_URL"].default == "unset" and docs["DATABASE_URL"].type == "str"
    assert docs["TASK_RETRY_DELAY_SECONDS"].default == "60"
    assert docs["STORAGE_FSYNC"].default == "true"
    assert docs["LOG_JSON"].section == "logging"


def test_a_stale_block_is_detected_and_rewritten(tmp_path: Path) -> None:
    stale = tmp_path / "ops.md"
    stale.write_text(f"# Ops\n\n{BEGIN}\n| `OLD_SETTING` | 1 |\n{END}\n\nafter\n", encoding="utf-8")
    assert current_block(stale.read_text()) != render_reference()
    assert update_document(stale) is True
    text = stale.read_text(encoding="utf-8")
    assert current_block(text) == render_reference()
    assert text.startswith("# Ops\n") and text.endswith("\nafter\n")
    assert "OLD_SETTING" not in text
    assert update_document(stale) is False  # already current: nothing written


def test_a_changed_description_in_env_example_changes_the_reference(tmp_path: Path) -> None:
    edited = tmp_path / ".env.example"
    edited.write_text(
        ENV_EXAMPLE.read_text(encoding="utf-8").replace(
            "# S3 region.", "# The S3 region of the bucket."
        ),
        encoding="utf-8",
    )
    assert "The S3 region of the bucket." in render_reference(edited)
    assert render_reference(edited) != render_reference()


def test_a_document_without_markers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="config-reference"):
        replace_block("# no markers here\n", "table")
    plain = tmp_path / "plain.md"
    plain.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ValueError):
        update_document(plain)
    assert plain.read_text(encoding="utf-8") == "# nothing\n"
