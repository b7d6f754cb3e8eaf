"""A local HTTP server that speaks LINE Login v2.1's wire format, so Drive2's real callback,
token exchange and ID-token check run against it.

- GET /oauth2/v2.1/authorize checks the request as LINE does (response_type=code, the
  channel's client_id, redirect_uri, scope with openid, state, and PKCE with S256 when a
  challenge is sent). It answers 302 back to redirect_uri with `code` and `state` at once,
  or, with `consent_page=True` (the browser test), a page with Allow and Cancel buttons.
- POST /oauth2/v2.1/token (form) checks client_id and client_secret, that the code is known,
  unused (single use) and issued for this redirect_uri, and that SHA-256 of code_verifier is
  the challenge; it answers with an ID token (HS256 with the channel secret, as LINE's web
  login does).
- POST /oauth2/v2.1/verify (form) answers LINE's claims for a good token (iss, sub, aud,
  exp, iat, nonce, amr, name, picture) and LINE's errors for a forged, expired, other
  channel's or wrong-nonce token.
- GET /oauth2/v2.1/certs: the ES256 key of LIFF ID tokens (`issue_liff_token`), and
  GET /oauth2/v2.1/verify?access_token=: the access token LINE gives a LIFF app
  (`issue_liff_access_token`); the LIFF SDK checks both in the browser.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

CHANNEL_ID = "1650000001"
CHANNEL_SECRET = "test-line-login-channel-secret-0123456789"
ISSUER = "https://access.line.me"
LIFF_KEY_ID = "fake-liff-key-1"


@dataclass(frozen=True)
class LineProfile:
    user_id: str
    name: str
    picture: str = "https://profile.line-scdn.net/fake"


@dataclass
class Grant:
    """What an authorization code stands for."""

    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    method: str | None
    profile: LineProfile
    used: bool = False


@dataclass
class Exchange:
    """One call of the token endpoint and what the fake made of it."""

    code: str
    status: int
    error: str | None
    pkce_checked: bool


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _b64int(n: int) -> str:
    raw = n.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class FakeLineLogin:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.channel_id = CHANNEL_ID
        self.channel_secret = CHANNEL_SECRET
        self.host = host
        #: Who "signs in" at the authorize page.
        self.next_profile = LineProfile("U" + "a" * 32, "Somchai")
        self.consent_page = False
        #: The next ID tokens carry this nonce instead of the one asked for.
        self.nonce_override: str | None = None
        #: The verify endpoint answers 400 with this description while it is set.
        self.verify_error: str | None = None
        self.requests: list[Seen] = []
        self.exchanges: list[Exchange] = []
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, str] = {}
        #: Every ID token handed out, so a test can look for them where they must not be.
        self.id_tokens: list[str] = []
        self._pending: dict[str, dict[str, str]] = {}
        self._liff_key = ec.generate_private_key(ec.SECP256R1())
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                form: dict[str, str] = {}
                if method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    raw = self.rfile.read(length).decode("utf-8", "replace")
                    form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                seen = Seen(method, parts.path, query, form)
                with owner._lock:
                    owner.requests.append(seen)
                status, body, headers = owner._route(seen)
                self._send(status, body, headers)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    # --- test controls -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """`host` may be "localhost" so that a browser sees LINE as another site than
        Drive2 at 127.0.0.1 (cookies' SameSite rules then apply as in production)."""
        return f"http://{self.host}:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {
            "LINE_LOGIN_CHANNEL_ID": self.channel_id,
            "LINE_LOGIN_CHANNEL_SECRET": self.channel_secret,
            "LINE_LOGIN_AUTH_URL": self.url,
            "LINE_LOGIN_API_URL": self.url,
        }

    def paths(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def issue_liff_token(
        self,
        profile: LineProfile | None = None,
        aud: str | None = None,
        expires_in: int = 3600,
    ) -> str:
        """An ID token as LIFF's `liff.getIDToken()` gives it: ES256, no nonce."""
        profile = profile or self.next_profile
        return self._id_token(profile, aud or self.channel_id, None, expires_in, liff=True)

    def issue_liff_access_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.access_tokens[token] = self.channel_id
        return token

    def liff_jwks(self) -> dict[str, Any]:
        numbers = self._liff_key.public_key().public_numbers()
        key = {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64int(numbers.x),
            "y": _b64int(numbers.y),
            "kid": LIFF_KEY_ID,
            "alg": "ES256",
            "use": "sig",
        }
        return {"keys": [key]}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLineLogin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- tokens -----------------------------------------------------------------------------
    def _id_token(
        self, profile: LineProfile, aud: str, nonce: str | None, expires_in: int, liff: bool
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": profile.user_id,
            "aud": aud,
            "exp": now + expires_in,
            "iat": now,
            "amr": ["linesso"],
            "name": profile.name,
            "picture": profile.picture,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if liff:
            token = jwt.encode(
                claims, self._liff_key, algorithm="ES256", headers={"kid": LIFF_KEY_ID}
            )
        else:
            token = jwt.encode(claims, self.channel_secret, algorithm="HS256")
        with self._lock:
            self.id_tokens.append(token)
        return token

    def _decode(self, token: str) -> dict[str, Any]:
        """Signature only; the verify endpoint checks the claims itself, like LINE."""
        header = jwt.get_unverified_header(token)
        options = {"verify_exp": False, "verify_aud": False}
        if header.get("alg") == "ES256":
            key: Any = self._liff_key.public_key()
            return jwt.decode(token, key, algorithms=["ES256"], options=options)
        return jwt.decode(token, self.channel_secret, algorithms=["HS256"], options=options)

    # --- the API ------------------------------------------------------------------------------
    def _route(self, seen: Seen) -> tuple[int, bytes, dict[str, str]]:
        if seen.method == "GET" and seen.path == "/oauth2/v2.1/authorize":
            return self._authorize(seen.query)
        if seen.method == "POST" and seen.path == "/oauth2/v2.1/authorize/consent":
            return self._consent(seen.form)
        if seen.method == "POST" and seen.path == "/oauth2/v2.1/token":
            return self._token(seen.form)
        if seen.method == "POST" and seen.path == "/oauth2/v2.1/verify":
            return self._verify(seen.form)
        if seen.method == "GET" and seen.path == "/oauth2/v2.1/certs":
            return _json(200, self.liff_jwks())
        if seen.method == "GET" and seen.path == "/oauth2/v2.1/verify":
            return self._verify_access_token(seen.query.get("access_token", ""))
        if seen.path == "/favicon.ico":  # a browser on the consent page asks for it
            return 204, b"", {}
        return _json(404, {"message": "Not found"})

    def _authorize(self, q: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        problems = []
        if q.get("response_type") != "code":
            problems.append("response_type must be code")
        if q.get("client_id") != self.channel_id:
            problems.append("unknown client_id")
        if not q.get("redirect_uri"):
            problems.append("redirect_uri is missing")
        if "openid" not in (q.get("scope") or "").split():
            problems.append("scope must include openid")
        if not q.get("state"):
            problems.append("state is missing")
        if q.get("code_challenge") and q.get("code_challenge_method") != "S256":
            problems.append("code_challenge_method must be S256")
        if problems:
            page = "<h1>400 Bad Request</h1><p>" + html.escape("; ".join(problems)) + "</p>"
            return 400, page.encode(), {"Content-Type": "text/html; charset=utf-8"}
        if not self.consent_page:
            return self._approve(q)
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[ticket] = q
        profile = self.next_profile
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>LINE Login</title></head><body>
<h1>LINE Login</h1>
<p>Drive2 would like to use your profile, {html.escape(profile.name)}.</p>
<form method="post" action="/oauth2/v2.1/authorize/consent">
<input type="hidden" name="ticket" value="{ticket}">
<button type="submit" name="answer" value="allow">Allow</button>
<button type="submit" name="answer" value="cancel">Cancel</button>
</form></body></html>"""
        return 200, page.encode(), {"Content-Type": "text/html; charset=utf-8"}

    def _consent(self, form: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            q = self._pending.pop(form.get("ticket", ""), None)
        if q is None:
            return 400, b"unknown ticket", {"Content-Type": "text/plain"}
        if form.get("answer") != "allow":
            query = {
                "error": "access_denied",
                "error_description": "The user has denied the request.",
                "state": q["state"],
            }
            return 302, b"", {"Location": f"{q['redirect_uri']}?{urlencode(query)}"}
        return self._approve(q)

    def _approve(self, q: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        code = secrets.token_urlsafe(15)
        with self._lock:
            self.grants[code] = Grant(
                client_id=q["client_id"],
                redirect_uri=q["redirect_uri"],
                nonce=q.get("nonce"),
                challenge=q.get("code_challenge"),
                method=q.get("code_challenge_method"),
                profile=self.next_profile,
            )
        query = urlencode({"code": code, "state": q["state"]})
        return 302, b"", {"Location": f"{q['redirect_uri']}?{query}"}

    def _token(self, form: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        code = form.get("code", "")

        def refuse(error: str, description: str) -> tuple[int, bytes, dict[str, str]]:
            with self._lock:
                self.exchanges.append(Exchange(code, 400, error, pkce_checked=False))
            return _json(400, {"error": error, "error_description": description})

        if form.get("grant_type") != "authorization_code":
            return refuse("unsupported_grant_type", "grant_type must be authorization_code")
        if form.get("client_id") != self.channel_id or form.get("client_secret") != (
            self.channel_secret
        ):
            return refuse("invalid_client", "invalid client_id or client_secret")
        with self._lock:
            grant = self.grants.get(code)
            fresh = grant is not None and not grant.used
            if grant is not None:
                grant.used = True  # single use, whatever happens next
        if grant is None or not fresh:
            return refuse("invalid_grant", "invalid authorization code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return refuse("invalid_grant", "redirect_uri does not match")
        pkce_checked = False
        if grant.challenge is not None:
            verifier = form.get("code_verifier") or ""
            if s256(verifier) != grant.challenge:
                return refuse("invalid_grant", "invalid code_verifier")
            pkce_checked = True
        nonce = self.nonce_override if self.nonce_override is not None else grant.nonce
        id_token = self._id_token(grant.profile, self.channel_id, nonce, 3600, liff=False)
        with self._lock:
            self.exchanges.append(Exchange(code, 200, None, pkce_checked))
        return _json(
            200,
            {
                "access_token": secrets.token_urlsafe(32),
                "expires_in": 2592000,
                "id_token": id_token,
                "refresh_token": secrets.token_urlsafe(16),
                "scope": "profile openid",
                "token_type": "Bearer",
            },
        )

    def _verify(self, form: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        def invalid(description: str) -> tuple[int, bytes, dict[str, str]]:
            return _json(400, {"error": "invalid_request", "error_description": description})

        if self.verify_error is not None:
            return invalid(self.verify_error)
        token = form.get("id_token")
        if not token or not form.get("client_id"):
            return invalid("id_token and client_id are required.")
        try:
            claims = self._decode(token)
        except jwt.PyJWTError:
            return invalid("Invalid IdToken.")
        if claims.get("exp", 0) < time.time():
            return invalid("IdToken expired.")
        if claims.get("aud") != form["client_id"]:
            return invalid("Invalid IdToken Audience.")
        if "nonce" in form and claims.get("nonce") != form["nonce"]:
            return invalid("Invalid IdToken Nonce.")
        if "user_id" in form and claims.get("sub") != form["user_id"]:
            return invalid("Invalid IdToken Subject Identifier.")
        return _json(200, claims)

    def _verify_access_token(self, token: str) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            client_id = self.access_tokens.get(token)
        if client_id is None:
            return _json(
                400, {"error": "invalid_request", "error_description": "access token expired"}
            )
        return _json(
            200, {"scope": "openid profile", "client_id": client_id, "expires_in": 2591659}
        )


def _json(status: int, body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
    return status, json.dumps(body).encode(), {"Content-Type": "application/json"}
