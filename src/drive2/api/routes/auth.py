from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep
from drive2.api.schemas import RegisterIn, TokenOut, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=201, response_model=UserOut)
async def register(body: RegisterIn, c: ContainerDep) -> UserOut:
    user = await run_in_threadpool(c.auth.register, body.email, body.password)
    return UserOut(id=user.id, email=user.email)


@router.post("/login", response_model=TokenOut)
async def login(
    username: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    c: ContainerDep,
) -> TokenOut:
    return TokenOut(access_token=await run_in_threadpool(c.auth.login, username, password))
