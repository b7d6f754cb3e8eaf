from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep, UserDep
from drive2.api.schemas import MeOut

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=MeOut)
async def me(user: UserDep, c: ContainerDep) -> MeOut:
    profile = await run_in_threadpool(c.users.profile, user)
    return MeOut(
        id=user.id,
        email=user.email,
        storage_used_bytes=profile.storage_used_bytes,
        storage_quota_bytes=user.storage_quota_bytes,
        line_user_id=user.line_user_id,
        line_enabled=c.settings.line_enabled,
        trash_retention_days=c.settings.trash_retention_days,
    )
