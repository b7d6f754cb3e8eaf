"""Secrets stay out of repr(settings), and the suite never runs with a real Drive2's settings
from the environment (issue 13, item 12)."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from drive2.config import Settings
from tests.conftest import SETTING_NAMES, SUITE_SETTINGS, _is_drive2_setting

#: Names that hold a credential, or a URL that may carry one.
_SECRET_NAME = re.compile(r"secret|_token$|password|api_key|_url$")
#: Names that look like one but hold none: URLs that never carry a credential (public
#: endpoints, LINE's fixed hosts) and a count of share-link downloads.
_PLAIN_URLS = {
    "public_url",
    "s3_endpoint",
    "qdrant_url",
    "gemini_base_url",
    "ollama_url",
    "line_api_base_url",
    "line_data_api_base_url",
    "line_login_auth_url",
    "line_login_api_url",
    "share_downloads_per_token",
}


def test_every_secret_setting_is_kept_out_of_repr() -> None:
    secret_fields = {
        name
        for name in Settings.model_fields
        if _SECRET_NAME.search(name) and name not in _PLAIN_URLS
    }
    assert {
        "line_channel_access_token",
        "line_channel_secret",
        "line_login_channel_secret",
        "jwt_secret",
    } <= secret_fields
    shown = [name for name in secret_fields if Settings.model_fields[name].repr is not False]
    assert shown == [], f"secrets that repr(settings) would print: {shown}"


def test_repr_of_settings_with_line_secrets_set_shows_neither(tmp_path: Path) -> None:
    token, channel_secret = secrets.token_hex(24), secrets.token_hex(16)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DRIVE2_DATA_DIR=tmp_path,
        LINE_CHANNEL_ACCESS_TOKEN=token,
        LINE_CHANNEL_SECRET=channel_secret,
    )
    shown = f"{settings!r} {settings}"
    assert "line_request_timeout_seconds" in shown
    assert token not in shown and channel_secret not in shown
    assert settings.line_enabled


def test_the_suite_runs_without_drive2_settings_from_the_environment() -> None:
    leaked = sorted(
        name for name in os.environ if _is_drive2_setting(name) and name not in SUITE_SETTINGS
    )
    assert leaked == []
    # The one setting the suite sets itself: where the converted model is cached for the run.
    assert os.environ.get("EMBEDDING_CACHE_DIR")
    assert "LINE_CHANNEL_SECRET" in SETTING_NAMES
    assert _is_drive2_setting("LINE_SOMETHING_NEW") and _is_drive2_setting("DRIVE2_DATA_DIR")
    assert _is_drive2_setting("gemini_api_key")  # names are case-insensitive
    for suite_variable in ("DRIVE2_TEST_REDIS_DB", "DRIVE2_REQUIRE_SERVICES", "DRIVE2_CHROMIUM"):
        assert not _is_drive2_setting(suite_variable)
