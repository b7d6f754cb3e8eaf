"""The web app's sign-in and sign-out: a session cookie instead of a token in the page.

POST /auth/login stays as DESIGN.md section 4 has it, for API clients."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, client_address, presented_token
from drive2.api.schemas import SessionIn, UserOut
from drive2.api.session_cookie import (
    CSRF_HEADER,
    clear_session_cookie,
    has_csrf_header,
    set_session_cookie,
)

router = APIRouter(prefix="/auth", tags=["auth"])


def _require_csrf_header(request: Request) -> None:
    # Also on sign-in: another site must not sign the browser in to an account of its own.
    if not has_csrf_header(request):
        raise HTTPException(403, f"the {CSRF_HEADER} header is missing")


@router.post("/session", response_model=UserOut)
async def start_session(
    body: SessionIn, request: Request, response: Response, c: ContainerDep
) -> UserOut:
    _require_csrf_header(request)
    user = await run_in_threadpool(
        c.auth.sign_in, body.email, body.password, client_address(request)
    )
    set_session_cookie(response, c.auth.issue_token(user), request, c.settings)
    response.headers["Cache-Control"] = "no-store"
    return UserOut(id=user.id, email=user.email or "")


@router.post("/logout", status_code=204)
async def end_session(request: Request, c: ContainerDep) -> Response:
    """Sign out: the cookie is cleared, and the token (the cookie's or a bearer token) is
    revoked with every other token of the user. A bearer token needs no CSRF header: no
    other site can make a browser send one."""
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        _require_csrf_header(request)
    await run_in_threadpool(c.auth.sign_out, presented_token(request))
    response = Response(status_code=204)
    clear_session_cookie(response, request, c.settings)
    return response
