"""The data dir is private to the account Drive2 runs as: folders 0700, files 0600.

It holds every original, the SQLite databases, the broker's messages, the vectors and the
JWT secret, so no other local user may read any of it. Two layers make sure: processes
started by the `drive2` command set a umask of 077 before they create anything (SQLite,
Celery and Beat create their own files), and the data dir itself is created 0700 — or
tightened to 0700 when an older Drive2 left it readable — which on its own already keeps
other users out of everything inside.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_umask() -> None:
    """New files 0600 and folders 0700 in this process and the ones it starts."""
    os.umask(PRIVATE_UMASK)


def prepare_data_dir(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        path.chmod(PRIVATE_DIR_MODE)
        log.warning("data dir %s was readable by other users; it is now 0700", path)
    return path
