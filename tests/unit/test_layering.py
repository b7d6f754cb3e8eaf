"""Imports run downwards only (DESIGN.md section 2; issue 13 item 17).

Every module of src/drive2 is read with `ast` (nothing is imported); each of its imports of
drive2 — `import drive2.x`, `from drive2.x import y`, relative imports, and imports inside
functions or `if TYPE_CHECKING:` blocks alike — must go to a layer its own layer may use.

The layers, low to high, and what each may import (besides itself):

    base        drive2 (the package), config, config_reference, data_dir, logging_setup,
                process_identity: settings and process set-up        -> domain
    domain      plain data and pure rules                            -> nothing else
    ports       one Protocol per external part                       -> domain
    messaging   task names, queues, Celery configuration, the SQLite transport
                                                                     -> base, domain
    adapters    the implementations of the ports                     -> base, domain, ports,
                                                                        messaging
    migrations  Alembic scripts (they read adapters/db's tables)     -> base, domain, adapters
    pipeline    the stages and their runner                          -> base, domain, ports
    services    the use cases                                        -> base, domain, ports,
                                                                        pipeline
    web         the web app's static pages                           -> base
    api         the HTTP routes                                      -> base, domain, ports,
                                                                        services, web
    worker      the Celery tasks, signals and recovery               -> base, domain, ports,
                                                                        messaging, pipeline,
                                                                        services
    entry       bootstrap (the composition root), cli, supervisor, and the two process entry
                points drive2.api.asgi (uvicorn) and drive2.worker.celery_app (celery -A)
                                                                     -> anything

So adapters never import services, api or worker; the pipeline never imports services, api,
worker or adapters; services never import adapters; api and worker never import bootstrap
(they take what it builds through the Protocols api/services.py and worker/services.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT_PACKAGE = "drive2"
SRC = Path(__file__).resolve().parents[2] / "src" / ROOT_PACKAGE

#: Modules that are not in the layer their folder says.
SPECIAL: dict[str, str] = {
    "drive2": "base",
    "drive2.config": "base",
    "drive2.config_reference": "base",
    "drive2.data_dir": "base",
    "drive2.logging_setup": "base",
    "drive2.process_identity": "base",
    "drive2.bootstrap": "entry",
    "drive2.cli": "entry",
    "drive2.supervisor": "entry",
    "drive2.__main__": "entry",
    "drive2.api.asgi": "entry",
    "drive2.worker.celery_app": "entry",
}

#: Layer -> the other layers it may import.
ALLOWED: dict[str, frozenset[str]] = {
    "base": frozenset({"domain"}),
    "domain": frozenset(),
    "ports": frozenset({"domain"}),
    "messaging": frozenset({"base", "domain"}),
    "adapters": frozenset({"base", "domain", "ports", "messaging"}),
    "migrations": frozenset({"base", "domain", "adapters"}),
    "pipeline": frozenset({"base", "domain", "ports"}),
    "services": frozenset({"base", "domain", "ports", "pipeline"}),
    "web": frozenset({"base"}),
    "api": frozenset({"base", "domain", "ports", "services", "web"}),
    "worker": frozenset({"base", "domain", "ports", "messaging", "pipeline", "services"}),
    "entry": frozenset(
        {
            "base",
            "domain",
            "ports",
            "messaging",
            "adapters",
            "migrations",
            "pipeline",
            "services",
            "web",
            "api",
            "worker",
            "entry",
        }
    ),
}


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported} ({self.rule})"


def layer_of(module: str) -> str:
    """The layer of a dotted module name of the package."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        special = SPECIAL.get(".".join(parts[:n]))
        if special is not None and (n == len(parts) or n > 1):
            return special
    if len(parts) >= 2 and parts[1] in ALLOWED:
        return parts[1]
    raise ValueError(f"{module} is in no layer: add it to SPECIAL or to a layer's folder")


def module_names(root: Path) -> dict[str, Path]:
    """Every module under the package folder `root`, by dotted name."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(module: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the package in the file."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                # `from drive2.worker import signals` imports the module drive2.worker.signals.
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if sub in known else target))
    root = module.split(".")[0]
    return sorted({(line, name) for line, name in found if name.split(".")[0] == root})


def check_tree(root: Path) -> list[Violation]:
    """Every import in the package folder `root` that goes to a layer its module may not
    use."""
    modules = module_names(root)
    known = set(modules)
    violations = []
    for module, path in modules.items():
        own = layer_of(module)
        for line, imported in imports_of(module, path, known):
            theirs = layer_of(imported)
            if theirs != own and theirs not in ALLOWED[own]:
                rule = f"{own} may not import {theirs}"
                violations.append(Violation(module, line, imported, rule))
    return violations


# --- the real package ---------------------------------------------------------------------


def test_every_import_of_drive2_runs_downwards() -> None:
    violations = check_tree(SRC)
    assert not violations, "imports against the layers:\n" + "\n".join(map(str, violations))


def test_every_module_is_in_a_layer() -> None:
    for module in module_names(SRC):
        assert layer_of(module) in ALLOWED


def test_the_checker_sees_the_real_packages_imports() -> None:
    """The walk is not vacuous: it finds imports the layers allow, of every kind."""
    modules = module_names(SRC)
    known = set(modules)
    runner = imports_of("drive2.pipeline.runner", modules["drive2.pipeline.runner"], known)
    assert any(name == "drive2.ports.blob_store" for _, name in runner)
    app = imports_of("drive2.worker.app", modules["drive2.worker.app"], known)
    assert any(name == "drive2.worker.signals" for _, name in app)  # from drive2.worker import x


# --- the checker itself, on a synthetic package --------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    package = root / ROOT_PACKAGE
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for parent in path.relative_to(package).parents:
            (package / parent / "__init__.py").touch()
    return package


CLEAN = {
    "domain/models.py": "import dataclasses\n",
    "ports/store.py": "from drive2.domain.models import x\n",
    "adapters/db/repo.py": (
        "from drive2.ports.store import Store\nfrom drive2.messaging import names\n"
    ),
    "messaging/names.py": "from drive2.config import Settings\n",
    "config.py": "",
    "pipeline/runner.py": "from ..ports import store\nfrom . import stages\n",
    "pipeline/stages.py": "",
    "services/upload.py": "from drive2.pipeline.runner import run\n",
    "api/routes.py": "from drive2.services.upload import up\n",
    "worker/tasks.py": "from drive2.services import upload\nfrom drive2.messaging.names import N\n",
    "worker/celery_app.py": "from drive2.bootstrap import build\n",
    "bootstrap.py": "from drive2.adapters.db.repo import Repo\n",
}


def test_a_clean_synthetic_tree_passes(tmp_path: Path) -> None:
    assert check_tree(_tree(tmp_path, CLEAN)) == []


def test_each_kind_of_upward_import_is_caught(tmp_path: Path) -> None:
    bad = {
        # adapters -> services, the old KeywordIndex import
        "adapters/db/keywords.py": "from drive2.services.search import KeywordIndex\n",
        # adapters -> worker, the old task names import
        "adapters/queue/celery.py": "import drive2.worker.tasks\n",
        # pipeline -> services (relative, inside a function)
        "pipeline/thumbs.py": "def f():\n    from ..services import upload\n",
        # pipeline -> adapters
        "pipeline/ocr.py": "from drive2.adapters.db import repo\n",
        # domain -> anything else of drive2
        "domain/names.py": "from drive2.config import Settings\n",
        # ports -> services, even for types only
        "ports/queue.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from drive2.services.upload import Up\n"
        ),
        # services -> adapters
        "services/files.py": "from drive2.adapters.db.repo import Repo\n",
        # api and worker library modules -> the composition root
        "api/deps.py": "from drive2.bootstrap import Container\n",
        "worker/runtime.py": "from drive2 import bootstrap\n",
        # messaging -> worker
        "messaging/config.py": "from drive2.worker import tasks\n",
    }
    found = check_tree(_tree(tmp_path, {**CLEAN, **bad}))
    assert sorted(v.module for v in found) == sorted(
        "drive2." + name.removesuffix(".py").replace("/", ".") for name in bad
    ), "\n".join(map(str, found))
    by_module = {v.module: v for v in found}
    assert by_module["drive2.adapters.db.keywords"].rule == "adapters may not import services"
    assert by_module["drive2.pipeline.thumbs"].imported == "drive2.services.upload"
    assert by_module["drive2.pipeline.thumbs"].line == 2
    assert by_module["drive2.worker.runtime"].imported == "drive2.bootstrap"


def test_a_module_in_no_layer_is_an_error(tmp_path: Path) -> None:
    package = _tree(tmp_path, {**CLEAN, "gadgets/thing.py": ""})
    try:
        check_tree(package)
    except ValueError as exc:
        assert "drive2.gadgets" in str(exc)
    else:
        raise AssertionError("a module outside every layer was accepted")
