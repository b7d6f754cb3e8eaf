"""What the HTTP API needs from the composition root, as a Protocol: the API never imports
bootstrap. create_app() takes anything shaped like this (bootstrap's Container, in practice);
drive2.api.asgi builds the real one for uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from drive2.config import Settings
from drive2.ports.repository import Repository
from drive2.ports.task_queue import TaskQueue
from drive2.services.archive import ArchiveService
from drive2.services.audit import Auditor
from drive2.services.auth import AuthService
from drive2.services.bulk import BulkService
from drive2.services.files import FileService
from drive2.services.health import HealthService
from drive2.services.metrics import MetricSources
from drive2.services.registration import RegistrationService
from drive2.services.search import SearchService
from drive2.services.shares import ShareService
from drive2.services.trash import TrashService
from drive2.services.upload import UploadService
from drive2.services.users import UserService

if TYPE_CHECKING:  # built lazily by the container: importing them costs start-up time
    from drive2.services.accounts import AccountService
    from drive2.services.ask import AskService
    from drive2.services.line_bot import LineBotService
    from drive2.services.line_login import LineLoginService
    from drive2.services.reindex import ReindexService


class AppServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def repo(self) -> Repository: ...

    @property
    def queue(self) -> TaskQueue: ...

    @property
    def auth(self) -> AuthService: ...

    @property
    def registration(self) -> RegistrationService: ...

    @property
    def users(self) -> UserService: ...

    @property
    def accounts(self) -> AccountService: ...

    @property
    def line_login(self) -> LineLoginService: ...

    @property
    def uploads(self) -> UploadService: ...

    @property
    def files(self) -> FileService: ...

    @property
    def audit(self) -> Auditor: ...

    @property
    def trash(self) -> TrashService: ...

    @property
    def shares(self) -> ShareService: ...

    @property
    def bulk(self) -> BulkService: ...

    @property
    def archives(self) -> ArchiveService: ...

    @property
    def search(self) -> SearchService: ...

    @property
    def ask(self) -> AskService: ...

    @property
    def reindex(self) -> ReindexService: ...

    @property
    def health(self) -> HealthService: ...

    @property
    def metric_sources(self) -> MetricSources: ...

    @property
    def line_bot(self) -> LineBotService: ...

    def close(self) -> None: ...
