"""LINE Login v2.1 over HTTP: POST /oauth2/v2.1/token and POST /oauth2/v2.1/verify.

Both take form fields and answer JSON; errors are `{"error", "error_description"}` with a
4xx status (a used code is `invalid_grant`, a bad ID token `invalid_request`)."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from drive2.ports.line_login import LineIdClaims, LineLoginError, LineLoginUnavailableError

log = logging.getLogger(__name__)


class HttpLineLoginApi:
    def __init__(
        self, api_url: str, channel_id: str, channel_secret: str, timeout_seconds: float
    ) -> None:
        self.channel_id = channel_id
        self._secret = channel_secret
        self._client = httpx.Client(base_url=api_url.rstrip("/"), timeout=timeout_seconds)

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._client.post(path, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise LineLoginUnavailableError(f"LINE did not answer: {exc}") from exc
        try:
            body: Any = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code >= 500:
            raise LineLoginUnavailableError(f"LINE answered {response.status_code}")
        if response.status_code != 200:
            error = str(body.get("error") or response.status_code)
            description = str(body.get("error_description") or body.get("message") or "")
            log.info("LINE Login %s refused: %s %s", path, error, description)
            raise LineLoginError(description or error, error)
        return body

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> str:
        body = self._post(
            "/oauth2/v2.1/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.channel_id,
                "client_secret": self._secret,
                "code_verifier": code_verifier,
            },
        )
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            # The scope asks for openid: an answer without an ID token is not a sign-in.
            raise LineLoginError("LINE's answer has no ID token", "no_id_token")
        return id_token

    def verify_id_token(self, id_token: str, nonce: str | None) -> LineIdClaims:
        form = {"id_token": id_token, "client_id": self.channel_id}
        if nonce is not None:
            form["nonce"] = nonce
        body = self._post("/oauth2/v2.1/verify", form)
        try:
            return LineIdClaims(
                iss=str(body["iss"]),
                sub=str(body["sub"]),
                aud=str(body["aud"]),
                exp=int(body["exp"]),
                iat=int(body["iat"]),
                nonce=str(body["nonce"]) if body.get("nonce") is not None else None,
                name=str(body["name"]) if body.get("name") is not None else None,
                picture=str(body["picture"]) if body.get("picture") is not None else None,
                amr=[str(a) for a in body.get("amr") or []],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LineLoginError(
                f"LINE's verify answer is incomplete: {exc}", "bad_answer"
            ) from exc

    def close(self) -> None:
        self._client.close()
