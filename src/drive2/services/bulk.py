"""One action over many files: each file succeeds or fails on its own, and the answer says
which. Another user's file, or an id that is no file, is "not found" like any other."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from drive2.domain.errors import Drive2Error, InvalidInputError, NotFoundError
from drive2.domain.models import User
from drive2.domain.names import normalise_tags
from drive2.services.files import FileService
from drive2.services.trash import TrashService

log = logging.getLogger(__name__)

MAX_BULK_FILES = 500


class BulkAction(StrEnum):
    TRASH = "trash"
    RESTORE = "restore"
    DELETE_PERMANENTLY = "delete_permanently"
    REPROCESS = "reprocess"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"


@dataclass(frozen=True)
class BulkResult:
    file_id: str
    ok: bool
    error: str | None = None


class BulkService:
    def __init__(self, files: FileService, trash: TrashService) -> None:
        self.files = files
        self.trash = trash

    def _step(self, user: User, action: BulkAction, tags: list[str]) -> Callable[[str], object]:
        steps: dict[BulkAction, Callable[[str], object]] = {
            BulkAction.TRASH: lambda fid: self.trash.trash(user, fid),
            BulkAction.RESTORE: lambda fid: self.trash.restore(user, fid),
            BulkAction.DELETE_PERMANENTLY: lambda fid: self.trash.delete_for_good(user, fid),
            BulkAction.REPROCESS: lambda fid: self.files.reprocess(user, fid),
            BulkAction.ADD_TAGS: lambda fid: self.files.add_tags(user, fid, tags),
            BulkAction.REMOVE_TAGS: lambda fid: self.files.remove_tags(user, fid, tags),
        }
        return steps[action]

    def run(
        self, user: User, action: str, file_ids: list[str], tags: list[str] | None
    ) -> list[BulkResult]:
        try:
            wanted = BulkAction(action)
        except ValueError:
            raise InvalidInputError(
                f"action must be one of {', '.join(a.value for a in BulkAction)}"
            ) from None
        if not file_ids:
            raise InvalidInputError("file_ids must not be empty")
        if len(file_ids) > MAX_BULK_FILES:
            raise InvalidInputError(f"at most {MAX_BULK_FILES} file ids at a time")
        clean_tags = normalise_tags(tags or [])
        if wanted in (BulkAction.ADD_TAGS, BulkAction.REMOVE_TAGS) and not clean_tags:
            raise InvalidInputError(f"{wanted.value} needs at least one tag in tags")
        step = self._step(user, wanted, clean_tags)
        results: list[BulkResult] = []
        for raw in dict.fromkeys(file_ids):  # each file once, in the order given
            results.append(self._one(raw, step))
        return results

    @staticmethod
    def _one(raw: str, step: Callable[[str], object]) -> BulkResult:
        try:
            file_id = str(uuid.UUID(raw))
        except ValueError:
            return BulkResult(raw, False, "not found")
        try:
            step(file_id)
        except NotFoundError:
            return BulkResult(raw, False, "not found")
        except Drive2Error as exc:
            return BulkResult(raw, False, str(exc))
        except Exception:
            log.exception("bulk step failed for file %s", file_id)
            return BulkResult(raw, False, "something went wrong; try again")
        return BulkResult(raw, True)
