"""Small helpers that speak API v1 like a client would."""

from __future__ import annotations

import time
import uuid
from typing import Any, Protocol


class HttpClient(Protocol):
    def post(self, url: str, **kwargs: Any) -> Any: ...

    def get(self, url: str, **kwargs: Any) -> Any: ...


def register_and_login(client: HttpClient, email: str | None = None) -> dict[str, str]:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    password = "correct horse battery"
    r = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/auth/login", data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


def upload(client: HttpClient, headers: dict[str, str], name: str, data: bytes) -> Any:
    return client.post(
        "/api/v1/files/upload", headers=headers, files={"file": (name, data, "application/x-test")}
    )


def wait_for_status(
    client: HttpClient,
    headers: dict[str, str],
    file_id: str,
    wanted: tuple[str, ...] = ("completed", "failed"),
    timeout: float = 60.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: list[tuple[str, int]] = []
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = client.get(f"/api/v1/files/{file_id}/status", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        if not seen or seen[-1] != (body["status"], body["progress"]):
            seen.append((body["status"], body["progress"]))
        if body["status"] in wanted:
            body["_seen"] = seen
            return body
        time.sleep(0.1)
    raise AssertionError(f"file {file_id} never reached {wanted}; last {body}; seen {seen}")
