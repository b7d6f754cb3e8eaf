"""The data dir is private: folders 0700, files 0600, whatever the umask of whoever started
Drive2 (issue 13, item 9); and `serve` hands its real port to its children (item 11)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drive2.adapters.blob.local import LocalBlobStore
from drive2.cli import embedded_environment
from drive2.config import Settings
from drive2.data_dir import prepare_data_dir


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common default umask (022): files 0644, folders 0755 unless Drive2 says otherwise."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def open_to_others(root: Path) -> list[str]:
    """Every path under root (root too) that a group or other user could read or enter."""
    found = [] if not _mode(root) & 0o077 else [f"{root} {oct(_mode(root))}"]
    for path in root.rglob("*"):
        if _mode(path) & 0o077:
            found.append(f"{path.relative_to(root)} {oct(_mode(path))}")
    return found


def test_objects_are_written_0600_in_0700_folders(tmp_path: Path, loose_umask: None) -> None:
    store = LocalBlobStore(tmp_path / "objects", fsync=False)
    writer = store.open_writer("originals/user-1/file-1")
    writer.write(b"private bytes")
    writer.commit()
    source = tmp_path / "thumb.jpg"
    source.write_bytes(b"jpeg")
    store.put_file("thumbnails/user-1/file-1.jpg", source)
    assert open_to_others(tmp_path / "objects") == []
    assert _mode(tmp_path / "objects" / "originals" / "user-1" / "file-1") == 0o600


def test_a_readable_data_dir_is_tightened(tmp_path: Path, loose_umask: None) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    assert _mode(data) == 0o755
    prepare_data_dir(data)
    assert _mode(data) == 0o700
    fresh = prepare_data_dir(tmp_path / "new" / "data")
    assert _mode(fresh) == 0o700


def test_the_generated_jwt_secret_is_0600(tmp_path: Path, loose_umask: None) -> None:
    settings = Settings(_env_file=None, DRIVE2_DATA_DIR=tmp_path / "data")  # type: ignore[call-arg]
    assert len(settings.resolved_jwt_secret()) > 40
    assert _mode(tmp_path / "data" / "jwt-secret") == 0o600


def test_drive2_migrate_makes_a_private_data_dir_under_a_loose_umask(
    tmp_path: Path, loose_umask: None
) -> None:
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "drive2.cli", "migrate", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    assert done.returncode == 0, done.stderr
    assert (data / "drive2.sqlite3").is_file()
    assert open_to_others(data) == []


def test_serve_gives_its_children_the_port_it_listens_on(tmp_path: Path) -> None:
    env = embedded_environment(tmp_path / "data", 9123)
    assert env["API_PORT"] == "9123" and env["DRIVE2_DATA_DIR"] == str(tmp_path / "data")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DRIVE2_DATA_DIR=env["DRIVE2_DATA_DIR"], API_PORT=env["API_PORT"]
    )
    from drive2.bootstrap import build_container

    container = build_container(settings)
    try:
        # The links in LINE messages when PUBLIC_URL is unset.
        assert container.notifications.base_url == "http://localhost:9123"
    finally:
        container.close()


def test_serve_and_api_run_uvicorn_with_the_header_deadline_protocol() -> None:
    from uvicorn.importer import import_from_string

    from drive2.api.http_server import TimedHttpProtocol
    from drive2.supervisor import HTTP_PROTOCOL, embedded_children

    assert import_from_string(HTTP_PROTOCOL) is TimedHttpProtocol
    api = next(c for c in embedded_children("127.0.0.1", 8000, 1, "INFO") if c.name == "api")
    assert api.argv[api.argv.index("--http") + 1] == HTTP_PROTOCOL
