"""PKCE and the return path of a sign-in (domain/oauth.py)."""

from __future__ import annotations

import re

import pytest

from drive2.domain.oauth import (
    code_challenge_s256,
    code_verifier,
    random_token,
    safe_return_path,
)


def test_s256_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_and_tokens_are_long_unreserved_and_fresh() -> None:
    verifiers = {code_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    for v in verifiers:
        # RFC 7636 4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
        assert 43 <= len(v) <= 128 and re.fullmatch(r"[A-Za-z0-9\-._~]+", v)
    assert len({random_token() for _ in range(50)}) == 50
    assert len(random_token()) >= 40


@pytest.mark.parametrize(
    "path", ["/", "/#/", "/#/files/3f1c0b7e-1111-4222-8333-944455556666", "/#/settings?x=1"]
)
def test_paths_on_the_site_are_kept(path: str) -> None:
    assert safe_return_path(path) == path


@pytest.mark.parametrize(
    "hostile",
    [
        None,
        "",
        "https://evil.example/",
        "http:/evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\r\nSet-Cookie: a=b",
        "/\t//evil.example",
        "/ /evil",
        "/\x7f",
        "evil.example/path",
        "/" + "a" * 2001,
    ],
)
def test_anything_that_could_leave_the_site_becomes_the_home_page(hostile: str | None) -> None:
    assert safe_return_path(hostile) == "/"
    assert safe_return_path(hostile, default="/#/settings") == "/#/settings"
