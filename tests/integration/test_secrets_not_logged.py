"""Secrets never show up in repr(settings) or in the logs, even at DEBUG.

The API runs over real HTTP and a real Celery worker runs beside it, both at DEBUG, against
the server parts with passwords and keys set: PostgreSQL (a password in DATABASE_URL), a
Redis of our own that requires a password, S3 over HTTP (moto) with a secret key, and a
Gemini-speaking server that checks the API key. The test signs up, signs in (wrongly too),
uploads, processes, downloads and provokes errors, then searches every captured line for
each secret, the user's password and the bearer token."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis

from drive2.adapters.db.migrate import upgrade
from drive2.api.app import create_app
from drive2.bootstrap import build_container
from drive2.config import Settings
from drive2.logging_setup import configure_logging
from tests.support.api import wait_for_status
from tests.support.fake_llm import FakeGemini, Reply
from tests.support.live_server import live_server
from tests.support.proxy import free_port
from tests.support.s3 import running_moto_server, unique_bucket
from tests.support.services import fresh_postgres_database
from tests.support.worker import running_worker

pytestmark = [pytest.mark.services, pytest.mark.slow]

SECRET_FIELDS = {
    "JWT_SECRET": "jwt_secret",
    "S3_SECRET_KEY": "s3_secret_key",
    "GEMINI_API_KEY": "gemini_api_key",
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "CELERY_BROKER_URL": "celery_broker_url",
    "CELERY_RESULT_BACKEND": "celery_result_backend",
    "LINE_CHANNEL_ACCESS_TOKEN": "line_channel_access_token",
    "LINE_CHANNEL_SECRET": "line_channel_secret",
}


def _secret(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(24)}"


def test_repr_and_str_of_settings_hide_every_secret(tmp_path: Path) -> None:
    values = {
        "JWT_SECRET": _secret("jwt"),
        "S3_SECRET_KEY": _secret("s3"),
        "GEMINI_API_KEY": _secret("gemini"),
        "DATABASE_URL": f"postgresql://drive2:{_secret('pg')}@db:5432/drive2",
        "REDIS_URL": f"redis://:{_secret('redis')}@cache:6379/0",
        "CELERY_BROKER_URL": f"redis://:{_secret('broker')}@cache:6379/0",
        "CELERY_RESULT_BACKEND": f"redis://:{_secret('backend')}@cache:6379/1",
        "LINE_CHANNEL_ACCESS_TOKEN": _secret("line-token"),
        "LINE_CHANNEL_SECRET": _secret("line-secret"),
    }
    settings = Settings(_env_file=None, DRIVE2_DATA_DIR=tmp_path, **values)  # type: ignore[call-arg]
    shown = "\n".join([repr(settings), str(settings), f"{settings!r}", f"{settings}"])
    assert "jwt_expire_minutes" in shown  # the other settings are still shown
    for name, value in values.items():
        assert value not in shown, name
        assert value.rsplit("@", 1)[0].rsplit(":", 1)[-1] not in shown, name
        assert Settings.model_fields[SECRET_FIELDS[name]].repr is False, name


@contextmanager
def redis_with_password(password: str, workdir: Path) -> Iterator[int]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            password,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, password=password)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class GeminiWithOurKey(FakeGemini):
    api_key = _secret("gemini")


@contextmanager
def captured_root_log(settings: Settings) -> Iterator[list[str]]:
    """The process's logging as `drive2 api` sets it up (LOG_LEVEL=DEBUG), plus a handler
    that keeps every formatted line."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    configure_logging(settings)
    keep = Keep(logging.DEBUG)
    keep.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(keep)
    try:
        yield lines
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def test_no_secret_password_or_token_reaches_the_logs_at_debug(tmp_path: Path) -> None:
    pg_password = _secret("pg")
    redis_password = _secret("redis")
    s3_secret = _secret("s3")
    jwt_secret = _secret("jwt")
    user_password = _secret("password")
    with (
        fresh_postgres_database() as db_url,
        redis_with_password(redis_password, tmp_path) as redis_port,
        running_moto_server() as s3_endpoint,
        GeminiWithOurKey() as gemini,
    ):
        gemini.set_default(Reply.answer())
        upgrade(db_url)
        env = {
            "DRIVE2_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": db_url.replace("postgres@", f"postgres:{pg_password}@"),
            "REDIS_URL": f"redis://:{redis_password}@127.0.0.1:{redis_port}/0",
            "S3_ENDPOINT": s3_endpoint,
            "S3_ACCESS_KEY": "drive2-access",
            "S3_SECRET_KEY": s3_secret,
            "S3_BUCKET": unique_bucket(),
            "JWT_SECRET": jwt_secret,
            "GEMINI_API_KEY": GeminiWithOurKey.api_key,
            "GEMINI_BASE_URL": gemini.url,
            "AI_PROVIDERS": "gemini,local",
            "LOG_LEVEL": "DEBUG",
            "STORAGE_FSYNC": "false",
            "TASK_RETRY_DELAY_SECONDS": "0.5",
        }
        settings = Settings(_env_file=None, **env)  # type: ignore[call-arg]
        settings.data_path.mkdir(parents=True, exist_ok=True)
        container = build_container(settings)
        token = ""
        worker_log = tmp_path / "worker.log"
        with (
            captured_root_log(settings) as lines,
            live_server(create_app(container)) as base_url,
            running_worker(env, worker_log, concurrency=1),
            httpx.Client(base_url=base_url, timeout=60) as client,
        ):
            email = "secret-keeper@example.com"
            account = {"email": email, "password": user_password}
            assert client.post("/api/v1/auth/register", json=account).status_code == 201
            assert client.post("/api/v1/auth/register", json=account).status_code == 201
            short = {"email": "x@example.com", "password": "short"}
            assert client.post("/api/v1/auth/register", json=short).status_code == 422
            wrong = {"username": email, "password": user_password[::-1]}
            assert client.post("/api/v1/auth/login", data=wrong).status_code == 401
            login = client.post(
                "/api/v1/auth/login", data={"username": email, "password": user_password}
            )
            assert login.status_code == 200
            token = login.json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/v1/users/me", headers=auth).status_code == 200
            forged = {"Authorization": f"Bearer {token[:-6]}AAAAAA"}
            assert client.get("/api/v1/users/me", headers=forged).status_code == 401
            up = client.post(
                "/api/v1/files/upload",
                headers=auth,
                files={"file": ("notes.txt", b"Quarterly sales notes for the secret test.")},
            )
            assert up.status_code == 202, up.text
            file_id = up.json()["file_id"]
            status = wait_for_status(client, auth, file_id, timeout=180)
            assert status["status"] == "completed", status
            assert status["ai"]["provider"] == "gemini"  # the key was really used
            assert client.get(f"/api/v1/files/{file_id}/download", headers=auth).status_code == 200
            assert client.get("/api/v1/files/not-a-file", headers=auth).status_code == 404
            r = client.get("/api/v1/search", headers=auth, params={"q": "sales", "mode": "keyword"})
            assert r.status_code == 200
            assert client.get("/readyz").status_code == 200
            bad_body = {"Content-Type": "multipart/form-data", **auth}
            assert (
                client.post("/api/v1/files/upload", headers=bad_body, content=b"x").status_code
                == 400
            )
            # The broker goes away: the upload still answers, and the failure is logged.
            redis.Redis(host="127.0.0.1", port=redis_port, password=redis_password).shutdown(
                nosave=True
            )
            r = client.post("/api/v1/files/upload", headers=auth, files={"file": ("b.txt", b"b")})
            assert r.status_code == 202
            assert client.get("/readyz").status_code == 503
        container.close()

    api_log = "\n".join(lines)
    everything = api_log + "\n" + worker_log.read_text(errors="replace")
    # Not vacuous: the logs are there, at DEBUG, and they mention what happened.
    assert "DEBUG" in api_log and "path=/api/v1/auth/login status=401" in api_log
    assert "could not queue file" in api_log
    assert "task start" in everything or "succeeded" in everything
    leaks = {
        "postgres password": pg_password,
        "redis password": redis_password,
        "S3 secret key": s3_secret,
        "JWT secret": jwt_secret,
        "Gemini API key": GeminiWithOurKey.api_key,
        "user password": user_password,
        "bearer token": token,
        "token signature": token.rsplit(".", 1)[-1],
    }
    found = {
        name: _context(everything, value) for name, value in leaks.items() if value in everything
    }
    assert not found, found
    assert os.environ.get("JWT_SECRET") is None  # nothing leaked into this process either


def _context(text: str, value: str) -> str:
    i = text.index(value)
    return text[max(0, i - 200) : i + len(value) + 50]
