"""The signed-in user and their storage."""

from __future__ import annotations

from dataclasses import dataclass

from drive2.domain.models import User
from drive2.ports.repository import UserRepository


@dataclass(frozen=True)
class UserProfile:
    user: User
    storage_used_bytes: int


class UserService:
    def __init__(self, users: UserRepository) -> None:
        self.users = users

    def profile(self, user: User) -> UserProfile:
        return UserProfile(user, self.users.storage_used_bytes(user.id))
