"""A streaming multipart/form-data reader: it turns the request body into UploadEvents as
bytes arrive, so no part is ever held in memory or spooled to a temporary file.

Limits are enforced at the door, while the body streams: the number of parts, the size of
each part's headers, and the size of every part that is not the uploaded file. Going past one
answers 413 at once (the rest of the body is never read); a body that is not well-formed
multipart answers 400. The uploaded file itself is bounded by the upload service (size limit
and quota, counted on the bytes received).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from fastapi import HTTPException
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from starlette.requests import ClientDisconnect

from drive2.config import Settings
from drive2.domain.errors import InvalidInputError, PayloadTooLargeError
from drive2.services.upload import UploadEvent

#: RFC 2046 caps a boundary at 70 characters.
MAX_BOUNDARY_CHARS = 70
#: Headers per part python-multipart accepts (its own guard; ours counts bytes).
MAX_HEADERS_PER_PART = 32
UPLOAD_FIELD = "file"


@dataclass(frozen=True)
class MultipartLimits:
    max_parts: int = 16
    max_field_bytes: int = 64 * 1024
    max_header_bytes: int = 16 * 1024

    @classmethod
    def of(cls, settings: Settings) -> MultipartLimits:
        return cls(
            max_parts=settings.multipart_max_parts,
            max_field_bytes=settings.multipart_max_field_bytes,
            max_header_bytes=settings.multipart_max_header_bytes,
        )


_FILENAME_STAR = re.compile(
    rb"""(?:^|;)\s*filename\*\s*=\s*(?P<charset>[A-Za-z0-9!#$&+^`{}~_-]*)'[^']*'(?P<value>[^;\s]*)""",
    re.IGNORECASE,
)


def extended_filename(disposition: bytes) -> str | None:
    """The `filename*=charset'lang'percent-encoded` parameter (RFC 5987), which
    python-multipart ignores; None when absent or not decodable."""
    match = _FILENAME_STAR.search(disposition)
    if match is None:
        return None
    charset = match.group("charset").decode("ascii").lower() or "utf-8"
    if charset not in ("utf-8", "iso-8859-1"):
        return None  # the only two RFC 5987 requires; anything else is refused as unknown
    try:
        return unquote_to_bytes(match.group("value").decode("ascii")).decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def malformed(reason: str) -> HTTPException:
    # Connection: close, because the rest of a broken body is never read.
    return HTTPException(400, f"malformed multipart body: {reason}", {"Connection": "close"})


class _Collector:
    def __init__(self, limits: MultipartLimits) -> None:
        self.limits = limits
        self.events: list[UploadEvent] = []
        self.parts = 0
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._header_bytes = 0
        self._file_seen = False
        self._is_file = False
        self._part_bytes = 0

    # python-multipart callbacks ---------------------------------------------------------
    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise PayloadTooLargeError(
                f"too many multipart parts (at most {self.limits.max_parts})"
            )
        self._headers = {}
        self._header_bytes = 0
        self._part_bytes = 0
        self._is_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value += data[start:end]

    def _count_header(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > self.limits.max_header_bytes:
            raise PayloadTooLargeError(
                f"multipart part headers are too large (at most {self.limits.max_header_bytes}"
                " bytes)"
            )

    def on_header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        disposition = self._headers.get("content-disposition", b"")
        _, params = parse_options_header(disposition)
        name = params.get(b"name")
        plain = params.get(b"filename")
        # RFC 6266: filename* (RFC 5987, any charset) wins over the plain filename.
        extended = extended_filename(disposition)
        filename = extended.encode("utf-8") if extended is not None else plain
        field = name.decode("utf-8", "replace") if name is not None else None
        # Only the first file in the field 'file' may be large; every other part is a form
        # field and stays small.
        self._is_file = field == UPLOAD_FIELD and filename is not None and not self._file_seen
        self._file_seen = self._file_seen or self._is_file
        self.events.append(
            UploadEvent(
                kind="start",
                field=field,
                filename=filename.decode("utf-8", "replace") if filename is not None else None,
            )
        )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file:
            self._part_bytes += end - start
            if self._part_bytes > self.limits.max_field_bytes:
                raise PayloadTooLargeError(
                    f"a multipart field is too large (at most {self.limits.max_field_bytes} bytes)"
                )
        # A view, not a copy: the chunk is immutable bytes and outlives the event.
        self.events.append(UploadEvent(kind="data", data=memoryview(data)[start:end]))

    def on_part_end(self) -> None:
        self.events.append(UploadEvent(kind="end"))


def _parser(boundary: bytes, collector: _Collector) -> MultipartParser:
    callbacks = {
        "on_part_begin": collector.on_part_begin,
        "on_header_field": collector.on_header_field,
        "on_header_value": collector.on_header_value,
        "on_header_end": collector.on_header_end,
        "on_headers_finished": collector.on_headers_finished,
        "on_part_data": collector.on_part_data,
        "on_part_end": collector.on_part_end,
    }
    # One header line may use the whole header budget; our collector counts the total.
    return MultipartParser(
        boundary,
        callbacks=callbacks,  # type: ignore[arg-type]
        max_header_count=MAX_HEADERS_PER_PART,
        max_header_size=collector.limits.max_header_bytes,
    )


async def _until_disconnect(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    # A client that leaves mid-body is an ordinary event, not a server error: the upload
    # is aborted like any other refused body.
    try:
        async for chunk in body:
            yield chunk
    except ClientDisconnect:
        raise malformed("the client left before the body ended") from None


async def read_multipart(
    content_type: str | None,
    body: AsyncIterator[bytes],
    limits: MultipartLimits | None = None,
) -> AsyncIterator[UploadEvent]:
    mime, params = parse_options_header(content_type or "")
    if mime != b"multipart/form-data":
        raise InvalidInputError("send the file as multipart/form-data in the field 'file'")
    boundary = params.get(b"boundary")
    if not boundary:
        raise malformed("the Content-Type has no boundary")
    if len(boundary) > MAX_BOUNDARY_CHARS:
        raise malformed(f"the boundary is longer than {MAX_BOUNDARY_CHARS} characters")
    collector = _Collector(limits or MultipartLimits())
    parser = _parser(boundary, collector)
    async for chunk in _until_disconnect(body):
        if not chunk:
            continue
        try:
            parser.write(chunk)
        except (InvalidInputError, PayloadTooLargeError):
            raise
        except Exception as exc:
            if "Maximum header" in str(exc):
                raise PayloadTooLargeError(
                    "multipart part headers are too large "
                    f"(at most {collector.limits.max_header_bytes} bytes)"
                ) from exc
            raise malformed(str(exc)) from exc
        events, collector.events = collector.events, []
        for event in events:
            yield event
        if parser.state == MultipartState.END:
            break  # the epilogue after the closing boundary is never needed
    if parser.state != MultipartState.END:
        raise malformed("the body ended before the closing boundary")
    parser.finalize()
    for event in collector.events:
        yield event
