"""Sign in with LINE: LINE Login v2.1 (authorization code + PKCE S256, state and nonce) on
the web, the LIFF ID token inside LINE, and the account a LINE user id belongs to.

One person, one account: the LINE user id LINE Login answers is the account's
`line_user_id` (the same id the bot sees, when both channels are under one provider), so a
person who linked the bot lands on that account, and a new one gets an account of their own
named after their LINE profile.

The browser carries the flow between `begin` and `finish` in a short-lived signed cookie
(state, nonce, PKCE verifier, redirect URI, return path, and for linking the signed-in user):
a callback whose state is not the one this browser started is refused before anything is
sent to LINE, a code works once (LINE enforces it), and the ID token must carry the nonce.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jwt

from drive2.config import Settings
from drive2.domain.errors import AuthenticationError, ConflictError, ServiceUnavailableError
from drive2.domain.models import User
from drive2.domain.oauth import (
    code_challenge_s256,
    code_verifier,
    random_token,
    safe_return_path,
)
from drive2.ports.accounts import AccountStore
from drive2.ports.line_login import (
    LineIdClaims,
    LineLoginApi,
    LineLoginError,
    LineLoginUnavailableError,
)
from drive2.services.auth import AuthService

log = logging.getLogger(__name__)

LINE_ISSUER = "https://access.line.me"
FLOW_TTL_SECONDS = 600
FLOW_TYPE = "line-login-flow"
SCOPE = "openid profile"

NO_FLOW = (
    "This sign-in with LINE did not start in this browser, or it took longer than 10 "
    "minutes. Nobody was signed in; please start again."
)
WRONG_STATE = (
    "The answer from LINE does not belong to the sign-in this browser started (its state "
    "does not match), so nobody was signed in. Please start again."
)
CANCELLED = "You cancelled signing in with LINE. Nobody was signed in."
NO_CODE = "LINE's answer has no sign-in code, so nobody was signed in. Please start again."
CODE_REFUSED = (
    "LINE did not accept the sign-in code: it was used already or has expired. Nobody was "
    "signed in; please start again."
)
WRONG_NONCE = (
    "The sign-in token from LINE was not made for this sign-in (its nonce does not match), "
    "so nobody was signed in."
)
OTHER_APP = "The sign-in token from LINE was made for another app, so nobody was signed in."
LINK_GONE = "The Drive2 account this LINE account was to be linked to no longer exists."
LINE_DOWN = "LINE is not answering right now, so nobody was signed in. Please try again soon."


class LineLoginFailed(AuthenticationError):
    """Nobody was signed in; the message says why in plain words."""

    def __init__(self, message: str, next_path: str = "/") -> None:
        super().__init__(message)
        self.next_path = next_path


@dataclass(frozen=True)
class LoginStart:
    authorize_url: str
    #: Goes into the flow cookie; only this browser can finish the sign-in.
    flow_token: str


@dataclass(frozen=True)
class LineSignIn:
    user: User
    next_path: str
    #: True when an account signed in already added LINE (settings), not a sign-in.
    linked: bool


@dataclass(frozen=True)
class _Flow:
    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next_path: str
    link_user_id: str | None


class LineLoginService:
    def __init__(
        self, api: LineLoginApi, accounts: AccountStore, auth: AuthService, settings: Settings
    ) -> None:
        self.api = api
        self.accounts = accounts
        self.auth = auth
        self.settings = settings
        self._secret = settings.resolved_jwt_secret()

    # --- the web flow ---------------------------------------------------------------------
    def begin(self, redirect_uri: str, next_path: str | None, link_user: User | None) -> LoginStart:
        flow = _Flow(
            state=random_token(),
            nonce=random_token(),
            verifier=code_verifier(),
            redirect_uri=redirect_uri,
            next_path=safe_return_path(next_path),
            link_user_id=link_user.id if link_user else None,
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.line_login_channel_id or "",
                "redirect_uri": redirect_uri,
                "state": flow.state,
                "scope": SCOPE,
                "nonce": flow.nonce,
                "code_challenge": code_challenge_s256(flow.verifier),
                "code_challenge_method": "S256",
            }
        )
        base = self.settings.line_login_auth_url.rstrip("/")
        return LoginStart(f"{base}/oauth2/v2.1/authorize?{query}", self._flow_token(flow))

    def finish(
        self, params: Mapping[str, str], flow_token: str | None, address: str | None
    ) -> LineSignIn:
        """The callback: check the state, exchange the code (with the PKCE verifier), verify
        the ID token (with the nonce) and sign in or link. Raises LineLoginFailed."""

        if params.get("error") == "access_denied":
            # The person said no at LINE: nobody to throttle, when the answer is this flow's.
            try:
                mine: _Flow | None = self._read_flow(flow_token)
            except LineLoginFailed:
                mine = None
            if mine is not None and self._state_matches(params, mine):
                raise LineLoginFailed(CANCELLED, mine.next_path)

        def attempt() -> LineSignIn:
            flow = self._read_flow(flow_token)
            try:
                user = self._finish(flow, params)
            except LineLoginFailed as exc:
                exc.next_path = flow.next_path
                raise
            return LineSignIn(user, flow.next_path, linked=flow.link_user_id is not None)

        return self.auth.sign_in_external(attempt, address)

    @staticmethod
    def _state_matches(params: Mapping[str, str], flow: _Flow) -> bool:
        return hmac.compare_digest(params.get("state", "").encode(), flow.state.encode())

    def _finish(self, flow: _Flow, params: Mapping[str, str]) -> User:
        if not self._state_matches(params, flow):
            raise LineLoginFailed(WRONG_STATE)
        if error := params.get("error"):
            if error == "access_denied":
                raise LineLoginFailed(CANCELLED)
            reason = params.get("error_description") or error
            raise LineLoginFailed(f"LINE did not sign you in ({reason[:200]}).")
        code = params.get("code")
        if not code:
            raise LineLoginFailed(NO_CODE)
        try:
            id_token = self.api.exchange_code(code, flow.redirect_uri, flow.verifier)
        except LineLoginUnavailableError as exc:
            log.warning("LINE Login token endpoint unavailable: %s", exc)
            raise ServiceUnavailableError(LINE_DOWN) from exc
        except LineLoginError as exc:
            log.info("LINE refused the code: %s", exc)
            raise LineLoginFailed(CODE_REFUSED) from exc
        claims = self._verified(id_token, flow.nonce)
        if flow.link_user_id is not None:
            return self._link(flow.link_user_id, claims)
        return self._account_for(claims)

    # --- LIFF -----------------------------------------------------------------------------
    def sign_in_liff(self, id_token: str, address: str | None) -> User:
        """The web app inside LINE: the ID token `liff.getIDToken()` gave, checked by LINE's
        verify endpoint for this channel."""
        return self.auth.sign_in_external(
            lambda: self._account_for(self._verified(id_token, None)), address
        )

    # --- shared -----------------------------------------------------------------------------
    def _verified(self, id_token: str, nonce: str | None) -> LineIdClaims:
        try:
            claims = self.api.verify_id_token(id_token, nonce)
        except LineLoginUnavailableError as exc:
            log.warning("LINE Login verify endpoint unavailable: %s", exc)
            raise ServiceUnavailableError(LINE_DOWN) from exc
        except LineLoginError as exc:
            reason = str(exc)[:200] or "no reason given"
            if "nonce" in reason.lower():
                raise LineLoginFailed(WRONG_NONCE) from exc
            raise LineLoginFailed(
                f"LINE could not confirm who signed in ({reason}), so nobody was signed in."
            ) from exc
        # LINE checked these; checking again costs nothing and does not trust one answer.
        if claims.aud != self.settings.line_login_channel_id:
            raise LineLoginFailed(OTHER_APP)
        if claims.iss != LINE_ISSUER or not claims.sub:
            raise LineLoginFailed("The sign-in token did not come from LINE.")
        if nonce is not None and not hmac.compare_digest(
            (claims.nonce or "").encode(), nonce.encode()
        ):
            raise LineLoginFailed(WRONG_NONCE)
        return claims

    def _account_for(self, claims: LineIdClaims) -> User:
        user = self.accounts.user_by_line_id(claims.sub)
        if user is None:
            user = self.accounts.create_line_user(
                claims.sub, claims.name, self.settings.default_storage_quota_bytes
            )
            log.info("new account %s made by signing in with LINE", user.id)
            return user
        if claims.name and claims.name != user.display_name:
            self.accounts.set_display_name(user.id, claims.name)
            user = replace(user, display_name=claims.name)
        return user

    def _link(self, user_id: str, claims: LineIdClaims) -> User:
        if self.auth.users.get_user(user_id) is None:
            raise LineLoginFailed(LINK_GONE)
        try:
            return self.accounts.link_line(user_id, claims.sub, claims.name)
        except ConflictError as exc:
            raise LineLoginFailed(
                "This LINE account already signs in to another Drive2 account, so it was not "
                "linked. Sign in with LINE to use that account."
            ) from exc

    def _flow_token(self, flow: _Flow) -> str:
        now = datetime.now(UTC)
        claims = {
            "typ": FLOW_TYPE,
            "st": flow.state,
            "nn": flow.nonce,
            "cv": flow.verifier,
            "ru": flow.redirect_uri,
            "nx": flow.next_path,
            "lk": flow.link_user_id,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=FLOW_TTL_SECONDS)).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def _read_flow(self, token: str | None) -> _Flow:
        if not token:
            raise LineLoginFailed(NO_FLOW)
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["exp", "iat"]}
            )
        except jwt.PyJWTError:
            raise LineLoginFailed(NO_FLOW) from None
        if claims.get("typ") != FLOW_TYPE:
            raise LineLoginFailed(NO_FLOW)
        link = claims.get("lk")
        return _Flow(
            state=str(claims.get("st", "")),
            nonce=str(claims.get("nn", "")),
            verifier=str(claims.get("cv", "")),
            redirect_uri=str(claims.get("ru", "")),
            next_path=safe_return_path(str(claims.get("nx", "/"))),
            link_user_id=str(link) if link else None,
        )
