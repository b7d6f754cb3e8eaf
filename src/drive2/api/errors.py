"""Domain errors to HTTP answers, always {"detail": "..."}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from drive2.domain.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    TooManyAttemptsError,
)

_STATUS = {
    NotFoundError: 404,
    NotAllowedError: 403,
    BadRequestError: 400,
    ConflictError: 409,
    InvalidInputError: 422,
    PayloadTooLargeError: 413,
    ServiceUnavailableError: 503,
}


def install_error_handlers(app: FastAPI) -> None:
    async def auth_error(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc) or "not authenticated"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def domain_error(_: Request, exc: Exception) -> JSONResponse:
        status = next(code for kind, code in _STATUS.items() if isinstance(exc, kind))
        headers = {"Connection": "close"} if status == 413 else None
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

    async def throttled(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TooManyAttemptsError)
        return JSONResponse(
            {"detail": str(exc)},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )

    app.add_exception_handler(AuthenticationError, auth_error)
    app.add_exception_handler(TooManyAttemptsError, throttled)
    for kind in _STATUS:
        app.add_exception_handler(kind, domain_error)
