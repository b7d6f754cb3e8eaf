"""The LINE bot: account linking with one-time codes, files sent in chat saved to the drive,
and the "Reprocess" button of a failure message.

The webhook route checks X-Line-Signature on the raw body before this module sees a byte;
here each event is handled once (by its webhookEventId) and answered with its reply token.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import anyio

from drive2.config import Settings
from drive2.domain.audit import AuditSource
from drive2.domain.errors import (
    BadRequestError,
    ConflictError,
    Drive2Error,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
)
from drive2.domain.models import FileRecord, User
from drive2.ports.notification_store import NotificationStore
from drive2.ports.notifier import IncomingContent, Message, Notifier, NotifierError
from drive2.ports.repository import Repository
from drive2.services.files import FileService
from drive2.services.line_messages import share_link_text, text_message, trashed_message
from drive2.services.line_questions import LineQuestions, help_text, is_help
from drive2.services.shares import ShareService
from drive2.services.signed_links import link_is_valid
from drive2.services.trash import TrashService
from drive2.services.upload import UploadEvent, UploadService

log = logging.getLogger(__name__)

#: No 0/O or 1/I: the code is read off a screen and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_CODE_TEXT = re.compile(r"^[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4}$")
MEDIA_TYPES = ("image", "video", "audio", "file")
DEFAULT_EXTENSIONS = {"image": ".jpg", "video": ".mp4", "audio": ".m4a", "file": ""}
#: Days a share link made from chat works.
LINE_SHARE_DAYS = 7

LINK_HELP = (
    "To save files to Drive2 from here, link your account first: in Drive2 ask for a LINE "
    "link code (POST /api/v1/line/link-code) and send the code to me."
)

ACCOUNT_OF_ITS_OWN = (
    "This LINE account already has a Drive2 account of its own (made by signing in with "
    "LINE), so it cannot be linked to another one. Sign in to Drive2 with LINE instead."
)


def event_key(event: dict[str, Any]) -> str:
    """What a resent event is recognised by: its webhookEventId, or for an event without one
    a hash of its content (a resend repeats it byte for byte; two real events differ at
    least in timestamp and reply token)."""
    event_id = event.get("webhookEventId")
    if isinstance(event_id, str) and event_id:
        return event_id[:64]
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_code(text: str) -> str | None:
    text = text.strip()
    if not _CODE_TEXT.match(text):
        return None
    code = re.sub(r"[- ]", "", text).upper()
    return code if all(c in CODE_ALPHABET for c in code) else None


def code_hash(code: str) -> str:
    return hashlib.sha256(f"drive2-line-link:{code}".encode()).hexdigest()


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_at: datetime


@dataclass
class LineBotService:
    repo: Repository
    store: NotificationStore
    notifier: Notifier
    uploads: UploadService
    files: FileService
    settings: Settings
    trash: TrashService | None = None
    shares: ShareService | None = None
    #: Text that is not a command is a question (None: the bot only keeps files).
    questions: LineQuestions | None = None

    # --- account linking ------------------------------------------------------------------
    def create_link_code(self, user: User) -> LinkCode:
        if not self.notifier.enabled:
            raise ServiceUnavailableError("LINE is not configured on this server")
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires = datetime.now(UTC) + timedelta(seconds=self.settings.line_link_code_ttl_seconds)
        self.store.add_link_code(code_hash(raw), user.id, expires)
        return LinkCode(code=f"{raw[:4]}-{raw[4:]}", expires_at=expires)

    # --- signed links in messages ---------------------------------------------------------
    def file_for_link(
        self, purpose: str, file_id: str, expires: int, signature: str
    ) -> tuple[User, FileRecord]:
        """The file a signed link points at; NotFoundError for a bad or expired link, so a
        guess learns nothing about which files exist."""
        secret = self.settings.resolved_jwt_secret()
        if not link_is_valid(secret, purpose, file_id, expires, signature):
            raise NotFoundError("this link is not valid or has expired")
        f = self.repo.get_file(file_id)
        user = self.repo.get_user(f.user_id) if f else None
        if f is None or user is None or f.trashed:
            raise NotFoundError("file not found")
        return user, f

    # --- webhook events -----------------------------------------------------------------------
    @staticmethod
    def parse_webhook(body: bytes) -> list[dict[str, Any]]:
        """The events of a signed webhook body; BadRequestError for anything that is not a
        webhook object (LINE then shows the error in its console, and nothing runs)."""
        try:
            payload: Any = json.loads(body)
        except RecursionError:
            raise BadRequestError("the body is nested too deeply") from None
        except ValueError:
            raise BadRequestError("the body is not JSON") from None
        if not isinstance(payload, dict):
            raise BadRequestError("the body is not a webhook object")
        events = payload.get("events", [])
        if not isinstance(events, list):
            raise BadRequestError("events must be a list")
        return [event for event in events if isinstance(event, dict)]

    async def handle_events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            try:
                await self.handle_event(event)
            except Exception:
                log.exception("LINE event %s failed", event.get("webhookEventId"))

    async def handle_event(self, event: dict[str, Any]) -> None:
        event_id = event_key(event)
        if not await anyio.to_thread.run_sync(self.store.remember_event, event_id):
            log.info("LINE event %s seen before; ignored", event_id)
            return
        source = event.get("source") or {}
        line_user_id = source.get("userId")
        if not isinstance(line_user_id, str) or not line_user_id:
            return
        kind = event.get("type")
        if kind in ("unfollow", "follow"):
            # Blocking the bot stops its messages; the LINE account stays the way the
            # person signs in (LINE Login), so it is not unlinked.
            await anyio.to_thread.run_sync(
                self.store.set_line_bot_blocked, line_user_id, kind == "unfollow"
            )
            if kind == "unfollow":
                return
        token = event.get("replyToken")
        user = await anyio.to_thread.run_sync(self._linked_user, line_user_id)
        if kind == "follow":
            await self._reply(token, "Welcome to Drive2." if user else LINK_HELP)
        elif kind == "postback":
            await self._postback(token, user, (event.get("postback") or {}).get("data", ""))
        elif kind == "message":
            message = event.get("message") or {}
            mtype = message.get("type")
            if mtype == "text":
                text = str(message.get("text", ""))
                message_id = str(message.get("id") or event_id or "")
                await self._text(token, line_user_id, user, text, message_id)
            elif mtype in MEDIA_TYPES:
                if user is None:
                    await self._reply(token, LINK_HELP)
                else:
                    await self._reply(token, await self.save_media(user, message))

    def _linked_user(self, line_user_id: str) -> User | None:
        user_id = self.store.user_id_for_line_user(line_user_id)
        return self.repo.get_user(user_id) if user_id else None

    async def _reply(self, token: Any, text: str) -> None:
        # Reply tokens are single use and expire quickly: no retry, just the record.
        await self._reply_messages(token, [text_message(text)])

    async def _text(
        self, token: Any, line_user_id: str, user: User | None, text: str, message_id: str = ""
    ) -> None:
        code = normalise_code(text)
        if code is not None:
            now = datetime.now(UTC)
            user_id = await anyio.to_thread.run_sync(self.store.use_link_code, code_hash(code), now)
            if user_id is None:
                await self._reply(
                    token, "That code is not valid or has expired. Ask Drive2 for a new one."
                )
                return
            if user is not None and user.id != user_id and not user.has_password:
                # Moving the LINE account would leave that account with no way to sign in.
                await self._reply(token, ACCOUNT_OF_ITS_OWN)
                return
            await anyio.to_thread.run_sync(self.store.link_line_user, user_id, line_user_id)
            linked = await anyio.to_thread.run_sync(self.repo.get_user, user_id)
            who = linked.label if linked else "your account"
            await self._reply(
                token,
                f"Linked to Drive2 as {who}. Send me photos, videos or files and I will "
                "keep them in your drive.",
            )
            return
        if user is None:
            await self._reply(token, LINK_HELP)
        elif self.questions is None:
            await self._reply(
                token,
                "Send me a photo, video, audio or file and I will save it to your Drive2.",
            )
        elif is_help(text) or not message_id:
            await self._reply(token, help_text(text))
        else:
            outcome = await anyio.to_thread.run_sync(self.questions.answer, user, message_id, text)
            log.info("LINE question %s: %s", message_id, outcome)

    async def _postback(self, token: Any, user: User | None, data: str) -> None:
        if user is None:
            await self._reply(token, LINK_HELP)
            return
        fields = parse_qs(str(data))
        action = (fields.get("action") or [""])[0]
        file_id = (fields.get("file_id") or [""])[0]
        handler = {
            "reprocess": self._reprocess,
            "trash": self._trash,
            "restore": self._restore,
            "share": self._share,
        }.get(action)
        if handler is None or not file_id:
            return
        try:
            messages = await anyio.to_thread.run_sync(handler, user, file_id)
        except NotFoundError:
            messages = [text_message("That file is no longer in your drive.")]
        except ConflictError as exc:
            messages = [text_message(_sentence(str(exc)))]
        await self._reply_messages(token, messages)

    def _reprocess(self, user: User, file_id: str) -> list[Message]:
        try:
            f = self.files.reprocess(user, file_id, AuditSource.LINE)
        except ConflictError as exc:
            if "trash" in str(exc):
                raise
            return [text_message("That file is being processed right now.")]
        return [text_message(f"Processing {f.filename} again. I will tell you how it went.")]

    def _trash(self, user: User, file_id: str) -> list[Message]:
        assert self.trash is not None
        f = self.trash.trash(user, file_id, AuditSource.LINE)
        return [trashed_message(f.filename, f.id, self.settings.trash_retention_days)]

    def _restore(self, user: User, file_id: str) -> list[Message]:
        assert self.trash is not None
        f = self.trash.restore(user, file_id, AuditSource.LINE)
        return [text_message(f"{f.filename} is back in your drive.")]

    def _share(self, user: User, file_id: str) -> list[Message]:
        assert self.shares is not None
        created = self.shares.create(user, file_id, LINE_SHARE_DAYS, AuditSource.LINE)
        record = self.repo.get_file(created.share.file_id)
        expires = created.share.expires_at
        return [
            share_link_text(
                record.filename if record else "the file",
                created.url(self.shares.base_url()),
                expires.astimezone(ZoneInfo(self.settings.timezone)).date() if expires else None,
            )
        ]

    async def _reply_messages(self, token: Any, messages: list[Message]) -> None:
        if not isinstance(token, str) or not token or not messages:
            return
        try:
            await anyio.to_thread.run_sync(self.notifier.reply, token, messages)
        except NotifierError as exc:
            log.warning("LINE reply failed: %s", exc)

    # --- files sent in chat -------------------------------------------------------------------
    def _filename(self, message: dict[str, Any], content_type: str | None) -> str:
        name = message.get("fileName")
        if isinstance(name, str) and name.strip():
            return name
        mtype = str(message.get("type"))
        ext = DEFAULT_EXTENSIONS.get(mtype, "")
        if content_type:
            ext = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ext
        return f"line-{mtype}-{message.get('id')}{ext}"

    async def save_media(self, user: User, message: dict[str, Any]) -> str:
        """Fetch the content of a media message and upload it like any upload (same size
        limit, quota and duplicate check); the text to answer with."""
        provider = (message.get("contentProvider") or {}).get("type", "line")
        if provider != "line":
            return "I can only save files sent directly in LINE, not links to other sites."
        message_id = str(message.get("id", ""))
        wait = message.get("type") in ("video", "audio")
        opener = self.notifier.open_content(message_id, wait_for_transcoding=wait)
        try:
            content: IncomingContent = await anyio.to_thread.run_sync(opener.__enter__)
        except NotifierError as exc:
            log.warning("could not fetch LINE message %s: %s", message_id, exc)
            return "I could not fetch that file from LINE. Please send it again."
        try:
            filename = self._filename(message, content.content_type)
            remaining = await self.uploads.precheck(user, content.length)
            outcome = await self.uploads.receive(
                user, _upload_events(filename, content.chunks), remaining
            )
        except PayloadTooLargeError as exc:
            return f"I could not save that file: {exc}."
        except NotifierError as exc:
            log.warning("LINE message %s broke off: %s", message_id, exc)
            return "The file did not arrive completely. Please send it again."
        except Drive2Error as exc:
            log.warning("saving LINE message %s failed: %s", message_id, exc)
            return "I could not save that file right now. Please try again later."
        finally:
            await anyio.to_thread.run_sync(opener.__exit__, None, None, None)
        if outcome.duplicate:
            return f"You already have this file in Drive2 ({outcome.file.filename})."
        return f"Got it: {outcome.file.filename} is saved to Drive2 and being processed."


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


async def _upload_events(filename: str, chunks: Iterator[bytes]) -> AsyncIterator[UploadEvent]:
    """The stream an HTTP multipart upload would give, read in a thread chunk by chunk."""
    yield UploadEvent("start", field="file", filename=filename)
    while True:
        chunk = await anyio.to_thread.run_sync(next, chunks, b"")
        if not chunk:
            break
        yield UploadEvent("data", data=chunk)
    yield UploadEvent("end")
