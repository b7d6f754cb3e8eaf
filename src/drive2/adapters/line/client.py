"""The LINE Messaging API through the official SDK (line-bot-sdk v3).

Pushes carry an X-Line-Retry-Key, so a push repeated after a crash or a timeout is accepted
by LINE once: the repeat answers 409, which counts as sent. Message content is streamed with
httpx from the data API, because the SDK's content call reads the whole body into memory
(ApiResponse.raw_data) even with _preload_content=False; the SDK's blob client still answers
whether a video or audio message is ready to be read.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    Message,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
)

from drive2.ports.notifier import (
    AlreadyAcceptedError,
    IncomingContent,
    NotifierError,
    RejectedNotifierError,
    RetryableNotifierError,
)
from drive2.ports.notifier import Message as MessageDict

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
#: Video and audio are transcoded by LINE first; give them this long to become readable.
TRANSCODING_WAIT_SECONDS = 60.0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _classify(exc: ApiException, what: str) -> NotifierError:
    status = int(exc.status or 0)
    body = exc.body if isinstance(exc.body, str) else repr(exc.body)
    detail = f"LINE {what} answered {status}: {(body or exc.reason or '')[:300]}"
    if status == 409:
        return AlreadyAcceptedError(detail)
    if status == 429 or status >= 500 or status == 0:
        return RetryableNotifierError(
            detail, parse_retry_after(_header(exc.headers, "Retry-After"))
        )
    return RejectedNotifierError(detail, status)


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    try:
        yield from response.iter_bytes(CHUNK_BYTES)
    except httpx.HTTPError as exc:
        raise RetryableNotifierError(f"LINE content broke off: {exc}") from exc


class LineNotifier:
    def __init__(
        self,
        access_token: str,
        api_base_url: str,
        data_api_base_url: str,
        timeout_seconds: float,
    ) -> None:
        self._token = access_token
        self._timeout = timeout_seconds
        self._data_base = data_api_base_url.rstrip("/")
        self._api = ApiClient(
            Configuration(host=api_base_url.rstrip("/"), access_token=access_token)
        )
        self._data = ApiClient(Configuration(host=self._data_base, access_token=access_token))

    @property
    def enabled(self) -> bool:
        return True

    def push(self, to: str, messages: list[MessageDict], retry_key: str) -> None:
        request = PushMessageRequest(to=to, messages=[Message.from_dict(m) for m in messages])
        try:
            MessagingApi(self._api).push_message_with_http_info(
                request,
                x_line_retry_key=retry_key,
                _request_timeout=self._timeout,
                # Only the status matters; the body is not parsed, so an answer the SDK's
                # models do not expect can never turn a delivered message into an error.
                _preload_content=False,
            )
        except ApiException as exc:
            raise _classify(exc, "push") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise RetryableNotifierError(f"LINE push did not answer: {exc}") from exc

    def reply(self, reply_token: str, messages: list[MessageDict]) -> None:
        request = ReplyMessageRequest(
            reply_token=reply_token, messages=[Message.from_dict(m) for m in messages]
        )
        try:
            MessagingApi(self._api).reply_message_with_http_info(
                request, _request_timeout=self._timeout, _preload_content=False
            )
        except ApiException as exc:
            raise _classify(exc, "reply") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise RetryableNotifierError(f"LINE reply did not answer: {exc}") from exc

    def _wait_until_readable(self, message_id: str) -> None:
        blob = MessagingApiBlob(self._data)
        deadline = time.monotonic() + TRANSCODING_WAIT_SECONDS
        while True:
            try:
                status = blob.get_message_content_transcoding_by_message_id(
                    message_id, _request_timeout=self._timeout
                ).status
            except ApiException as exc:
                raise _classify(exc, "content status") from exc
            except urllib3.exceptions.HTTPError as exc:
                raise RetryableNotifierError(f"LINE content status: {exc}") from exc
            if status == "succeeded":
                return
            if status == "failed":
                raise RejectedNotifierError("LINE could not prepare this video or audio", 422)
            if time.monotonic() > deadline:
                raise RetryableNotifierError("LINE is still preparing this video or audio")
            time.sleep(1.0)

    @contextmanager
    def open_content(
        self, message_id: str, wait_for_transcoding: bool = False
    ) -> Iterator[IncomingContent]:
        if wait_for_transcoding:
            self._wait_until_readable(message_id)
        url = f"{self._data_base}/v2/bot/message/{message_id}/content"
        timeout = httpx.Timeout(self._timeout, read=max(self._timeout, 60.0))
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            with (
                httpx.Client(timeout=timeout) as client,
                client.stream("GET", url, headers=headers) as r,
            ):
                if r.status_code != 200:
                    r.read()
                    detail = f"LINE content answered {r.status_code}: {r.text[:300]}"
                    if r.status_code == 429 or r.status_code >= 500:
                        raise RetryableNotifierError(
                            detail, parse_retry_after(r.headers.get("Retry-After"))
                        )
                    raise RejectedNotifierError(detail, r.status_code)
                length = r.headers.get("Content-Length")
                yield IncomingContent(
                    content_type=r.headers.get("Content-Type"),
                    length=int(length) if length and length.isdigit() else None,
                    chunks=_chunks(r),
                )
        except httpx.HTTPError as exc:
            raise RetryableNotifierError(f"LINE content: {exc}") from exc

    def close(self) -> None:
        self._api.close()
        self._data.close()
