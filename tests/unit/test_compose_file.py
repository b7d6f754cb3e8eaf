"""docker-compose.yml, checked without Docker (which cannot run here): every reference in it
resolves, every environment name is a real Drive2 setting, ports and volumes are consistent,
stateful services have health checks, and there is exactly one Beat. Each check is also run
on a broken copy, so a checker that passes everything would fail here."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from drive2.config import Settings
from tests.support.compose_check import is_beat, is_drive2_service, problems

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_PATH = ROOT / "docker-compose.yml"
SETTING_NAMES = {(info.alias or name).upper() for name, info in Settings.model_fields.items()}


@pytest.fixture(scope="module")
def raw() -> str:
    return COMPOSE_PATH.read_text(encoding="utf-8")


@pytest.fixture
def compose(raw: str) -> dict[str, Any]:
    loaded = yaml.safe_load(raw)
    assert isinstance(loaded, dict)
    return loaded


def _problems(compose: dict[str, Any], raw: str = "") -> list[str]:
    return problems(compose, ROOT, SETTING_NAMES, raw)


def test_the_compose_file_has_no_problems(compose: dict[str, Any], raw: str) -> None:
    assert _problems(compose, raw) == []


def test_it_has_the_services_of_the_server_deployment(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "redis", "minio", "minio-init", "qdrant", "api"):
        assert name in services
    for name in ("celery_worker", "celery_beat", "flower"):
        assert name in services
        assert is_drive2_service(services[name])
    assert [n for n, s in services.items() if is_beat(s)] == ["celery_beat"]


def test_redis_persists_and_never_evicts(compose: dict[str, Any]) -> None:
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_the_worker_runs_four_processes_restarts_and_waits_for_its_services(
    compose: dict[str, Any],
) -> None:
    worker = compose["services"]["celery_worker"]
    assert worker["command"][:2] == ["drive2", "worker"]
    assert worker["command"][worker["command"].index("--concurrency") + 1] == "4"
    assert worker["restart"] == "on-failure"
    for needed in ("postgres", "redis", "qdrant", "minio"):
        assert worker["depends_on"][needed]["condition"] == "service_healthy"


def test_the_api_migrates_first_and_flower_is_behind_basic_auth(
    compose: dict[str, Any], raw: str
) -> None:
    api = " ".join(compose["services"]["api"]["command"])
    assert api.index("drive2 migrate") < api.index("drive2 api")
    flower = compose["services"]["flower"]
    assert flower["ports"] == ["5555:5555"]
    assert "FLOWER_BASIC_AUTH" in flower["environment"]
    assert "${FLOWER_BASIC_AUTH:?" in raw
    init = compose["services"]["minio-init"]
    assert "mc mb --ignore-existing drive2/drive2" in " ".join(init["entrypoint"])


def test_the_drive2_services_get_one_complete_environment(compose: dict[str, Any]) -> None:
    envs = [s["environment"] for s in compose["services"].values() if is_drive2_service(s)]
    for env in envs:
        for name in ("DATABASE_URL", "REDIS_URL", "S3_ENDPOINT", "QDRANT_URL", "JWT_SECRET"):
            assert name in env, name
    assert envs[0]["S3_BUCKET"] == "drive2"


#: Fixed by the compose file to wire the containers together; everything else comes from .env.
WIRED = frozenset(
    {
        "DATABASE_URL",
        "REDIS_URL",
        "S3_ENDPOINT",
        "S3_ACCESS_KEY",
        "S3_SECRET_KEY",
        "S3_BUCKET",
        "S3_REGION",
        "QDRANT_URL",
        "DRIVE2_DATA_DIR",
        "LOG_JSON",
    }
)
COMPOSE_SECRETS = (
    "POSTGRES_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "FLOWER_BASIC_AUTH",
)
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _interpolate(value: str, dotenv: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, from .env."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
        found = dotenv.get(name)
        if op.endswith("?"):
            assert found, f"{name} is required: {arg}"
            return found
        if op == ":-":
            return found or arg
        if op == "-":
            return arg if found is None else found
        return found or ""

    return _VARIABLE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def container_environment(service: dict[str, Any], dotenv: dict[str, str]) -> dict[str, str]:
    """What a container's process sees: its env_file (only .env, next to the compose file),
    overridden by environment: with compose's interpolation from the same .env."""
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str | dict) else files
    env: dict[str, str] = {}
    for entry in files:
        path = entry["path"] if isinstance(entry, dict) else entry
        assert path in (".env", "./.env"), path
        env.update(dotenv)
    for name, value in (service.get("environment") or {}).items():
        env[name] = _interpolate(str(value), dotenv)
    return env


def _operator_dotenv() -> dict[str, str]:
    """An .env in which the operator set every setting there is."""
    dotenv = {name: f"from-dotenv-{name}" for name in SETTING_NAMES}
    dotenv.update({name: f"from-dotenv-{name}" for name in COMPOSE_SECRETS})
    return dotenv


def _unreached(compose: dict[str, Any]) -> list[str]:
    dotenv = _operator_dotenv()
    found = []
    for name in ("api", "celery_worker", "celery_beat"):
        env = container_environment(compose["services"][name], dotenv)
        for setting in sorted(SETTING_NAMES - WIRED):
            if env.get(setting) != dotenv[setting]:
                found.append(f"{name}: {setting} from .env does not reach it")
        for setting in sorted(WIRED):
            if setting not in env:
                found.append(f"{name}: {setting} is not wired")
    return found


def test_every_setting_an_operator_sets_in_dotenv_reaches_api_worker_and_beat(
    compose: dict[str, Any],
) -> None:
    assert _unreached(compose) == []
    dotenv = _operator_dotenv()
    env = container_environment(compose["services"]["celery_worker"], dotenv)
    # LINE, the public URL and the AI providers, named in issue 13, among them:
    for name in ("LINE_CHANNEL_ACCESS_TOKEN", "PUBLIC_URL", "AI_PROVIDERS", "GEMINI_API_KEY"):
        assert env[name] == dotenv[name]
    assert env["DATABASE_URL"].startswith("postgresql://drive2:from-dotenv-POSTGRES_PASSWORD@")
    assert env["JWT_SECRET"] == dotenv["JWT_SECRET"]


def test_a_service_without_the_env_file_is_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    del broken["services"]["celery_beat"]["env_file"]
    found = _unreached(broken)
    assert "celery_beat: LINE_CHANNEL_SECRET from .env does not reach it" in found
    assert not [p for p in found if not p.startswith("celery_beat:")]
    pinned = _broken(compose)
    pinned["services"]["api"]["environment"]["PUBLIC_URL"] = "http://localhost:8000"
    assert _unreached(pinned) == ["api: PUBLIC_URL from .env does not reach it"]


def test_the_dockerfile_has_the_tools_and_the_cpu_torch() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    for package in ("tesseract-ocr-eng", "tesseract-ocr-tha", "ffmpeg"):
        assert package in dockerfile
    assert "poppler" not in dockerfile  # PDFs render with pypdfium2 (a wheel)
    torch_line = next(line for line in dockerfile.splitlines() if "pip install torch" in line)
    assert "torch==2.13.0" in torch_line and "/whl/cpu" in torch_line
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and ".env" in ignored and ".git" in ignored


# --- the checker itself catches each kind of mistake ----------------------------------------


def _broken(compose: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(compose)


def test_a_missing_dependency_is_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    broken["services"]["celery_worker"]["depends_on"]["rabbitmq"] = {"condition": "service_started"}
    assert any("rabbitmq" in p for p in _problems(broken))


def test_waiting_for_health_without_a_healthcheck_is_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    del broken["services"]["qdrant"]["healthcheck"]
    found = _problems(broken)
    assert any("qdrant to be healthy" in p for p in found)
    assert any("qdrant: keeps state but has no healthcheck" in p for p in found)


def test_a_missing_build_context_or_dockerfile_is_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    broken["services"]["api"]["build"] = {"context": "no-such-dir"}
    broken["services"]["flower"]["build"] = {"context": ".", "dockerfile": "Dockerfile.nope"}
    found = _problems(broken)
    assert any("api: build context no-such-dir" in p for p in found)
    assert any("flower: Dockerfile Dockerfile.nope" in p for p in found)


def test_an_unknown_environment_name_is_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    broken["services"]["celery_worker"]["environment"]["DATABSE_URL"] = "typo"
    assert _problems(broken) == ["celery_worker: environment DATABSE_URL is not a Drive2 setting"]


def test_a_port_published_twice_or_out_of_range_is_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    broken["services"]["flower"]["ports"] = ["8000:5555"]
    broken["services"]["minio"]["ports"] = ["70000:9001"]
    found = _problems(broken)
    assert any("host port 8000 already published by api" in p for p in found)
    assert any("port 70000 out of range" in p for p in found)


def test_undeclared_and_unused_volumes_are_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    broken["services"]["redis"]["volumes"] = ["redis-dat:/data"]
    found = _problems(broken)
    assert "redis: volume redis-dat is not declared under volumes:" in found
    assert "volume redis-data is declared but no service uses it" in found


def test_a_stateful_service_without_a_volume_is_found(compose: dict[str, Any]) -> None:
    broken = _broken(compose)
    del broken["services"]["postgres"]["volumes"]
    found = _problems(broken)
    assert "postgres: keeps state but has no named volume" in found


def test_two_beats_or_none_are_found(compose: dict[str, Any]) -> None:
    two = _broken(compose)
    two["services"]["celery_beat"]["deploy"]["replicas"] = 2
    assert any("exactly one Celery Beat" in p for p in _problems(two))
    extra = _broken(compose)
    extra["services"]["beat2"] = copy.deepcopy(extra["services"]["celery_beat"])
    assert any("found 2" in p for p in _problems(extra))
    none = _broken(compose)
    del none["services"]["celery_beat"]
    assert any("found 0" in p for p in _problems(none))


def test_an_optional_secret_is_found(raw: str, compose: dict[str, Any]) -> None:
    weakened = raw.replace("${JWT_SECRET:?", "${JWT_SECRET:-", 1)
    assert any("JWT_SECRET" in p for p in _problems(compose, weakened))


def test_a_file_without_services_is_refused() -> None:
    assert _problems({"version": "3"}) == ["no services"]
