"""LINE and the preview (issue 14): the bubble shows the thumbnail (flex images may not pass
1024 px) and tapping it opens the preview; signed preview links open only previews."""

from __future__ import annotations

from drive2.services import line_messages as lm
from drive2.services.signed_links import link_is_valid, signed_path
from tests.support.flex_rules import message_errors

BASE = "https://drive.example.com"


def _file(**overrides: str | None) -> lm.CompletedFile:
    values: dict[str, str | None] = {
        "thumbnail_url": f"{BASE}/api/v1/line/files/1/thumbnail?exp=1&sig=y",
        "preview_url": f"{BASE}/api/v1/line/files/1/preview?exp=1&sig=z",
    }
    values.update(overrides)
    return lm.CompletedFile(
        file_id="00000000-0000-0000-0000-000000000001",
        filename="IMG_0413.jpg",
        suggested_filename="2024-04-13_cat_chiang-mai.jpg",
        summary="Photo of a cat, taken 13 April 2024 in Chiang Mai, Thailand.",
        tags=["cat", "แมว", "chiang mai", "เชียงใหม่"],
        open_url=f"{BASE}/api/v1/line/files/1/download?exp=1&sig=x",
        **values,  # type: ignore[arg-type]
    )


def test_the_hero_is_the_thumbnail_and_opens_the_preview() -> None:
    [message] = lm.completed_messages([_file()])
    assert message_errors(message) == []
    hero = message["contents"]["hero"]
    assert hero["url"].endswith("/thumbnail?exp=1&sig=y")
    assert hero["action"]["uri"] == f"{BASE}/api/v1/line/files/1/preview?exp=1&sig=z"


def test_without_a_preview_the_hero_opens_the_file() -> None:
    for preview in (None, "http://localhost:8000/api/v1/line/files/1/preview?exp=1&sig=z"):
        [message] = lm.completed_messages([_file(preview_url=preview)])
        assert message["contents"]["hero"]["action"]["uri"].endswith("/download?exp=1&sig=x")


def test_a_preview_link_is_good_for_previews_only() -> None:
    path = signed_path("secret", "preview", "abc", 60, now=1000.0)
    assert path.startswith("/api/v1/line/files/abc/preview?exp=1060&sig=")
    signature = path.rsplit("sig=", 1)[1]
    assert link_is_valid("secret", "preview", "abc", 1060, signature, now=1000.0)
    assert not link_is_valid("secret", "thumbnail", "abc", 1060, signature, now=1000.0)
    assert not link_is_valid("secret", "download", "abc", 1060, signature, now=1000.0)
