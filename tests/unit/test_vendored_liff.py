"""The LIFF SDK Drive2 serves itself (scripts/vendor_liff.py): the committed bundle is the
one its manifest describes and ships with its terms. That it loads as an ES module under the
page's CSP and exports the LIFF API is checked in Chromium (tests/e2e/test_line_login_web.py)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "src/drive2/web/static/vendor/liff"


def test_the_bundle_matches_its_manifest_and_ships_its_licences() -> None:
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    assert manifest["package"] == "@line/liff"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["integrity"].startswith("sha512-")
    bundle = (VENDOR / manifest["file"]).read_bytes()
    assert hashlib.sha256(bundle).hexdigest() == manifest["sha256"]
    assert "@line/liff" in manifest["bundled_packages"]
    assert "LINE Developers Agreement" in (VENDOR / "LICENSE.md").read_text()
    notices = (VENDOR / "THIRD-PARTY-LICENSES.txt").read_text()
    for name in manifest["bundled_packages"]:
        assert f"\n{name} " in "\n" + notices, name
    # No CDN at run time: the bundle is one file and loads no script of its own by default
    # (the SDK's optional "legacy extensions" from LINE's CDN are never installed).
    assert b"export{" in bundle and b"import(" not in bundle
