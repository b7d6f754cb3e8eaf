"""A streaming multipart/form-data reader: it turns the request body into UploadEvents as
bytes arrive, so no part is ever held in memory or spooled to a temporary file."""

from __future__ import annotations

from collections.abc import AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header

from drive2.domain.errors import InvalidInputError
from drive2.services.upload import UploadEvent

MAX_PARTS = 16
MAX_PART_HEADER_BYTES = 16 * 1024


class _Collector:
    def __init__(self) -> None:
        self.events: list[UploadEvent] = []
        self.parts = 0
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._header_bytes = 0

    # python-multipart callbacks ---------------------------------------------------------
    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise InvalidInputError(f"too many multipart parts (at most {MAX_PARTS})")
        self._headers = {}
        self._header_bytes = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]
        self._count(end - start)

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._count(end - start)

    def _count(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_PART_HEADER_BYTES:
            raise InvalidInputError("multipart part headers are too large")

    def on_header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", b""))
        name = params.get(b"name")
        filename = params.get(b"filename")
        self.events.append(
            UploadEvent(
                kind="start",
                field=name.decode("utf-8", "replace") if name is not None else None,
                filename=filename.decode("utf-8", "replace") if filename is not None else None,
            )
        )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        # A view, not a copy: the chunk is immutable bytes and outlives the event.
        self.events.append(UploadEvent(kind="data", data=memoryview(data)[start:end]))

    def on_part_end(self) -> None:
        self.events.append(UploadEvent(kind="end"))


async def read_multipart(
    content_type: str | None, body: AsyncIterator[bytes]
) -> AsyncIterator[UploadEvent]:
    mime, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise InvalidInputError("send the file as multipart/form-data in the field 'file'")
    collector = _Collector()
    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": collector.on_part_begin,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
        },
    )
    async for chunk in body:
        if not chunk:
            continue
        try:
            parser.write(chunk)
        except InvalidInputError:
            raise
        except Exception as exc:
            raise InvalidInputError(f"malformed multipart body: {exc}") from exc
        events, collector.events = collector.events, []
        for event in events:
            yield event
    parser.finalize()
    for event in collector.events:
        yield event
