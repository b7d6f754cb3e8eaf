from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep
from drive2.api.schemas import ErrorOut, RegisterIn, TokenOut, UserOut
from drive2.domain.errors import AuthenticationError

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=201, response_model=UserOut)
async def register(body: RegisterIn, c: ContainerDep) -> UserOut:
    user = await run_in_threadpool(c.auth.register, body.email, body.password)
    return UserOut(id=user.id, email=user.email or "")


@router.post(
    "/login",
    response_model=TokenOut,
    responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    c: ContainerDep,
) -> TokenOut:
    address = request.client.host if request.client else None
    c.login_throttle.check(username, address)
    try:
        token = await run_in_threadpool(c.auth.login, username, password)
    except AuthenticationError:
        c.login_throttle.failed(username, address)
        raise
    c.login_throttle.succeeded(username)
    return TokenOut(access_token=token)
