"""Sign in with LINE: GET /auth/line/start and /auth/line/callback (LINE Login v2.1, code
flow with state, nonce and PKCE S256) and POST /auth/line/liff (the LIFF ID token inside
LINE). Each ends, like POST /auth/session, in the web app's session cookie. All of them
answer 404 while LINE_LOGIN_CHANNEL_ID and LINE_LOGIN_CHANNEL_SECRET are unset.

Between start and callback the browser holds the flow in its own cookie: signed, HttpOnly,
scoped to /api/v1/auth/line/ and SameSite=Lax, because LINE sends the browser back with a
cross-site navigation that a Strict cookie would not survive. It lives 10 minutes and is
cleared by the callback whatever the outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep
from drive2.api.schemas import LineSessionOut
from drive2.api.services import AppServices
from drive2.api.session_cookie import (
    COOKIE_NAME,
    CSRF_HEADER,
    has_csrf_header,
    is_https,
    set_session_cookie,
)
from drive2.domain.errors import AuthenticationError, NotFoundError, ServiceUnavailableError
from drive2.domain.models import User
from drive2.services.line_login import FLOW_TTL_SECONDS, LineLoginFailed
from drive2.services.login_throttle import LoginThrottledError
from drive2.web.pages import message_page

router = APIRouter(prefix="/auth/line", tags=["auth"])

FLOW_COOKIE = "drive2_line_login"
FLOW_COOKIE_PATH = "/api/v1/auth/line/"
CALLBACK_PATH = "/api/v1/auth/line/callback"
FAILED_TITLE = "Signing in with LINE did not work"


class LiffIn(BaseModel):
    id_token: str = Field(min_length=1, max_length=8192)


def _configured(c: AppServices) -> None:
    if not c.settings.line_login_enabled:
        raise NotFoundError("signing in with LINE is not configured on this server")


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _redirect_uri(request: Request, c: AppServices) -> str:
    """Under PUBLIC_URL (what is registered with LINE); without it, the address this
    browser used, so a local set-up works. LINE accepts only registered callback URLs."""
    base = (c.settings.public_url or str(request.base_url)).rstrip("/")
    return base + CALLBACK_PATH


def _signed_in_user(request: Request, c: AppServices) -> User | None:
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        return c.auth.user_from_token(token)
    except AuthenticationError:
        return None


def _clear_flow_cookie(response: Response, request: Request, c: AppServices) -> None:
    response.delete_cookie(
        FLOW_COOKIE,
        path=FLOW_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=is_https(request, c.settings),
    )


@router.get(
    "/start",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "to LINE's authorization page"}, 404: {}},
)
async def start(
    request: Request,
    c: ContainerDep,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    link: bool = False,
) -> Response:
    """Off to LINE. `next` is where to come back to (a path on this site); `link=true` adds
    LINE to the account signed in in this browser instead of signing in."""
    _configured(c)
    link_user = None
    if link:
        link_user = await run_in_threadpool(_signed_in_user, request, c)
        if link_user is None:
            return message_page(
                "Sign in first",
                "Sign in to Drive2 first, then link your LINE account from Settings.",
                "/#/signin",
                401,
            )
    started = await run_in_threadpool(
        c.line_login.begin, _redirect_uri(request, c), next, link_user
    )
    response = RedirectResponse(started.authorize_url, status_code=302)
    response.set_cookie(
        FLOW_COOKIE,
        started.flow_token,
        max_age=FLOW_TTL_SECONDS,
        path=FLOW_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=is_https(request, c.settings),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(
    "/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {"description": "back to the page the sign-in started from, signed in"},
        400: {"description": "nobody signed in; a page says why", "content": {"text/html": {}}},
        404: {},
    },
)
async def callback(request: Request, c: ContainerDep) -> Response:
    """Where LINE sends the browser back with `code` and `state` (or `error`)."""
    _configured(c)
    params = {key: value for key, value in request.query_params.items()}
    flow = request.cookies.get(FLOW_COOKIE)
    response: Response
    try:
        done = await run_in_threadpool(c.line_login.finish, params, flow, _address(request))
    except LineLoginFailed as exc:
        response = message_page(FAILED_TITLE, str(exc), exc.next_path, 400)
    except LoginThrottledError as exc:
        response = message_page(FAILED_TITLE, f"{exc}.", "/", 429)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
    except ServiceUnavailableError as exc:
        response = message_page(FAILED_TITLE, str(exc), "/", 503)
    else:
        response = RedirectResponse(done.next_path, status_code=302)
        if not done.linked:
            set_session_cookie(response, c.auth.issue_token(done.user), request, c.settings)
        response.headers["Cache-Control"] = "no-store"
    _clear_flow_cookie(response, request, c)
    return response


@router.post("/liff", response_model=LineSessionOut, responses={401: {}, 403: {}, 404: {}})
async def liff(
    body: LiffIn, request: Request, response: Response, c: ContainerDep
) -> LineSessionOut:
    """Inside LINE: the ID token from `liff.getIDToken()`, checked at LINE's verify
    endpoint, signs the browser in with the session cookie."""
    _configured(c)
    if not has_csrf_header(request):
        # As for /auth/session: another site must not sign this browser in to its account.
        raise HTTPException(403, f"the {CSRF_HEADER} header is missing")
    user = await run_in_threadpool(c.line_login.sign_in_liff, body.id_token, _address(request))
    set_session_cookie(response, c.auth.issue_token(user), request, c.settings)
    response.headers["Cache-Control"] = "no-store"
    return LineSessionOut(
        id=user.id, email=user.email, display_name=user.display_name, line_user_id=user.line_user_id
    )
