"""create_app(container): the FastAPI application with every v1 route."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from drive2 import __version__
from drive2.api.body_guard import RequestBodyGuard, body_limit
from drive2.api.errors import install_error_handlers
from drive2.api.openapi_errors import document_errors
from drive2.api.request_log import RequestLog
from drive2.api.routes import (
    ask,
    audit,
    auth,
    bulk,
    embeddings,
    events,
    files,
    health,
    line,
    line_login,
    search,
    session,
    share_pages,
    shares,
    trash,
    users,
)
from drive2.api.services import AppServices
from drive2.web.docs import install_api_docs
from drive2.web.routes import install_web_app

log = logging.getLogger("drive2.api")
API_PREFIX = "/api/v1"


def create_app(container: AppServices) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        container.queue.check  # noqa: B018 - builds the Celery producer now, not in the first upload
        try:
            # Which model's collection serves, recorded before the first upload is embedded
            # (Beat records it too, and starts re-embedding after a model change).
            container.reindex.ensure()
        except Exception as exc:  # a database not ready yet: Beat's next check records it
            log.warning("could not record the embedding model: %r", exc)
        yield
        container.close()

    app = FastAPI(
        title="Drive2",
        version=__version__,
        description="A self-hosted AI file drive.",
        lifespan=lifespan,
        docs_url=None,  # served from local files with a strict CSP: web/docs.py
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        messages = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            messages.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse({"detail": "; ".join(messages) or "invalid request"}, 422)

    app.add_exception_handler(RequestValidationError, validation_error)

    # Web app (issue 8): the session cookie routes, and the event stream ahead of
    # /files/{file_id} so that "events" is not taken for a file id.
    app.include_router(session.router, prefix=API_PREFIX)
    app.include_router(events.router, prefix=API_PREFIX)
    app.include_router(embeddings.router, prefix=API_PREFIX)  # before any /search/{...}
    # Trash, share links, bulk actions, zips, the audit log (issue 16): /files/bulk and
    # /files/archive ahead of /files/{file_id}.
    for router in (bulk.router, trash.router, shares.router, audit.router):
        app.include_router(router, prefix=API_PREFIX)
    for router in (auth.router, users.router, files.router, search.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.include_router(share_pages.router)  # /s/{token}: share links, no account needed
    app.include_router(line.router, prefix=API_PREFIX)  # LINE webhook, link codes, signed links
    app.include_router(ask.router, prefix=API_PREFIX)  # questions over the user's files
    app.include_router(line_login.router, prefix=API_PREFIX)  # sign in with LINE, LIFF
    install_web_app(app, container.settings)
    install_api_docs(app)
    document_errors(app, API_PREFIX)
    # Outermost, so no route and no other middleware reads a byte it has not checked.
    settings = container.settings
    app.add_middleware(
        RequestBodyGuard,
        limit_for=lambda path: body_limit(settings, path),
        idle_timeout=settings.http_body_timeout_seconds,
    )
    app.add_middleware(RequestLog)  # outside the guard: it logs the status the client got
    return app
