"""Errors that cross layers. Routes map them to HTTP answers; the runner to retries."""

from __future__ import annotations


class Drive2Error(Exception):
    """Base of every error Drive2 raises on purpose."""


class NotFoundError(Drive2Error):
    pass


class ConflictError(Drive2Error):
    pass


class EmailTakenError(ConflictError):
    pass


class AuthenticationError(Drive2Error):
    pass


class BadRequestError(Drive2Error):
    """A request body that is not what the route reads at all (400)."""


class NotAllowedError(Drive2Error):
    """The request is understood but this server does not allow it (403)."""


class TooManyAttemptsError(Drive2Error):
    """Over a rate limit; the client may try again after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int, message: str) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PayloadTooLargeError(Drive2Error):
    pass


class InvalidInputError(Drive2Error):
    pass


class ServiceUnavailableError(Drive2Error):
    """A part Drive2 depends on (database, object store, broker) does not answer."""


class ProcessingError(Drive2Error):
    """A pipeline stage could not do its work."""


class PermanentProcessingError(ProcessingError):
    """Retrying cannot help: corrupt, encrypted or unsupported content, a bomb."""


class TransientProcessingError(ProcessingError):
    """Retrying later may help: a timeout, a quota, a hiccup of a service."""


class EncryptedContentError(PermanentProcessingError):
    """The content is protected by a password Drive2 does not have."""


class UnsupportedContentError(PermanentProcessingError):
    """A format Drive2 recognises but cannot read inside (yet)."""


class UnsafeContentError(PermanentProcessingError):
    """Content built to exhaust the reader (a decompression bomb, a zip bomb). It fails the file
    even when raised by an optional stage."""
