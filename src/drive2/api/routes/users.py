from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.schemas import EmailPasswordIn, ErrorOut, MeOut
from drive2.api.services import AppServices
from drive2.domain.models import User

router = APIRouter(prefix="/users", tags=["users"])


async def _me(user: User, c: AppServices) -> MeOut:
    profile = await run_in_threadpool(c.users.profile, user)
    return MeOut(
        id=user.id,
        email=user.email,
        storage_used_bytes=profile.storage_used_bytes,
        storage_quota_bytes=user.storage_quota_bytes,
        line_user_id=user.line_user_id,
        line_enabled=c.settings.line_enabled,
        trash_retention_days=c.settings.trash_retention_days,
        display_name=user.display_name,
        has_password=user.has_password,
    )


@router.get("/me", response_model=MeOut)
async def me(user: UserDep, c: ContainerDep) -> MeOut:
    return await _me(user, c)


@router.post(
    "/me/email-password",
    response_model=MeOut,
    responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
async def add_email_password(body: EmailPasswordIn, user: UserDep, c: ContainerDep) -> MeOut:
    """An account made by signing in with LINE adds an email and password (409 when it has
    a password already or the email belongs to another account)."""
    updated = await run_in_threadpool(
        c.accounts.add_email_password, user, body.email, body.password
    )
    return await _me(updated, c)


@router.delete("/me/line", response_model=MeOut, responses={409: {"model": ErrorOut}})
async def unlink_line(user: UserDep, c: ContainerDep) -> MeOut:
    """Let go of the LINE account; the files stay. 409 while the account has no password
    (it would have no way to sign in)."""
    updated = await run_in_threadpool(c.accounts.unlink_line, user)
    return await _me(updated, c)
