"""Request-scoped dependencies: the container and the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from drive2.api.services import AppServices
from drive2.api.session_cookie import COOKIE_NAME, CSRF_HEADER, csrf_ok
from drive2.domain.errors import AuthenticationError
from drive2.domain.models import User

_bearer = HTTPBearer(auto_error=False)


def get_container(request: Request) -> AppServices:
    container: AppServices = request.app.state.container
    return container


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def presented_token(request: Request) -> str | None:
    """The bearer token when there is one, else the session cookie."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE_NAME) or None


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The bearer token when there is one (API clients); else the web app's session cookie,
    which may change something only with the CSRF header (see api/session_cookie.py)."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        token = credentials.credentials
    elif cookie := request.cookies.get(COOKIE_NAME):
        if not csrf_ok(request):
            raise HTTPException(403, f"the {CSRF_HEADER} header is missing")
        token = cookie
    else:
        raise AuthenticationError("not authenticated")
    container = get_container(request)
    return await run_in_threadpool(container.auth.user_from_token, token)


ContainerDep = Annotated[AppServices, Depends(get_container)]
UserDep = Annotated[User, Depends(current_user)]
