"""kombu's SQLAlchemy transport, tuned for the embedded SQLite broker.

Two changes, both measured (DESIGN.md section 5): the poll interval is a class attribute,
because every broker_transport_options entry is handed to create_engine; and a fetched
message is deleted instead of being marked invisible, so the table does not grow forever.
Either way a worker killed with SIGKILL loses its unacknowledged message, which is why the
database row, not the broker, is the source of truth and the sweeper re-dispatches.
"""

from __future__ import annotations

from json import loads
from queue import Empty
from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqla
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, event, text

ALIAS = "drive2sqlite"


class Channel(kombu_sqla.Channel):
    def _engine_from_config(self) -> Any:
        conninfo = self.connection.client
        options = dict(conninfo.transport_options)
        for name in (
            "queue_tablename",
            "message_tablename",
            "callback",
            "errback",
            "max_retries",
            "interval_start",
            "interval_step",
            "interval_max",
            "retry_errors",
            "polling_interval",
        ):
            options.pop(name, None)
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(conninfo.hostname, **options)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        obj = self._get_or_create(queue)  # type: ignore[no-untyped-call]
        self.session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            msg = (
                self.session.query(self.message_cls)
                .filter(self.message_cls.queue_id == obj.id)
                .filter(self.message_cls.visible != False)  # noqa: E712 - SQL expression
                .order_by(self.message_cls.sent_at)
                .order_by(self.message_cls.id)
                .limit(1)
                .first()
            )
            if msg is None:
                raise Empty()
            payload = loads(bytes_to_str(msg.payload))  # type: ignore[no-untyped-call]
            self.session.delete(msg)
            return payload
        finally:
            self.session.commit()


class Transport(kombu_sqla.Transport):
    Channel = Channel
    polling_interval = 0.1


def register(polling_interval: float | None = None) -> None:
    TRANSPORT_ALIASES[ALIAS] = "drive2.messaging.sqlite_transport:Transport"
    if polling_interval is not None:
        Transport.polling_interval = polling_interval


def rewrite_url(url: str) -> str:
    """sqla+sqlite:///path -> drive2sqlite+sqlite:///path (same database, our transport)."""
    if url.startswith("sqla+sqlite") or url.startswith("sqlalchemy+sqlite"):
        return f"{ALIAS}+" + url.split("+", 1)[1]
    return url
