from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, client_address
from drive2.api.schemas import ErrorOut, RegisterIn, TokenOut, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=201,
    response_model=UserOut,
    responses={403: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
async def register(body: RegisterIn, request: Request, c: ContainerDep) -> UserOut:
    """A new account; a taken email answers the same (see services/registration.py)."""
    done = await run_in_threadpool(
        c.registration.register,
        body.email,
        body.password,
        client_address(request),
        body.invite_code,
    )
    return UserOut(id=done.id, email=done.email)


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
    token = await run_in_threadpool(c.auth.login, username, password, client_address(request))
    return TokenOut(access_token=token)
