"""Checks a docker-compose file without Docker: the mistakes that only show when `docker
compose up` runs on the server, found here by reading the file.

`problems(compose, root, setting_names)` returns a list of human-readable problems (empty when
the file is sound). It is a plain function over the parsed YAML so a test can feed it broken
copies and see each check fail.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: Environment names a Drive2 service may receive that are not Drive2 settings: the images'
#: own variables and Flower's options (Flower reads FLOWER_* itself).
FOREIGN_PREFIXES = ("POSTGRES_", "MINIO_", "FLOWER_")
FOREIGN_NAMES = frozenset({"TZ", "TMPDIR", "OMP_THREAD_LIMIT", "PYTHONUNBUFFERED"})

#: Services that keep state: each needs a named volume and a health check.
STATEFUL_IMAGES = ("postgres", "redis", "minio/minio", "qdrant/qdrant")

_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services = compose.get("services")
    return services if isinstance(services, dict) else {}


def _command_text(service: dict[str, Any]) -> str:
    for key in ("command", "entrypoint"):
        value = service.get(key)
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        if isinstance(value, str) and key == "command":
            return value
    return ""


def _env_names(service: dict[str, Any]) -> list[str]:
    env = service.get("environment") or {}
    if isinstance(env, dict):
        return [str(k) for k in env]
    return [str(item).split("=", 1)[0] for item in env]


def is_drive2_service(service: dict[str, Any]) -> bool:
    """Built from this repository's Dockerfile (or its image): it runs Drive2 code."""
    return "build" in service or str(service.get("image", "")).startswith("drive2")


def is_beat(service: dict[str, Any]) -> bool:
    words = _command_text(service).split()
    return "beat" in words and is_drive2_service(service)


def _replicas(service: dict[str, Any]) -> int:
    deploy = service.get("deploy") or {}
    return int(deploy.get("replicas", 1)) if isinstance(deploy, dict) else 1


def _check_depends_on(services: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        entries = depends.items() if isinstance(depends, dict) else ((d, {}) for d in depends)
        for target, spec in entries:
            if target not in services:
                found.append(f"{name}: depends_on names a service that does not exist: {target}")
                continue
            condition = (spec or {}).get("condition", "service_started")
            if condition not in conditions:
                found.append(f"{name}: unknown depends_on condition {condition!r}")
            if condition == "service_healthy" and "healthcheck" not in services[target]:
                found.append(f"{name}: waits for {target} to be healthy, but it has no healthcheck")
    return found


def _check_builds(services: dict[str, dict[str, Any]], root: Path) -> list[str]:
    found = []
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            if not service.get("image"):
                found.append(f"{name}: neither image nor build")
            continue
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile"
        if isinstance(build, dict):
            dockerfile = build.get("dockerfile", dockerfile)
        context_path = (root / context).resolve()
        if not context_path.is_dir():
            found.append(f"{name}: build context {context} does not exist")
        elif not (context_path / dockerfile).is_file():
            found.append(f"{name}: Dockerfile {dockerfile} not found in {context}")
    return found


def _check_environment(services: dict[str, dict[str, Any]], setting_names: set[str]) -> list[str]:
    found = []
    for name, service in services.items():
        if not is_drive2_service(service):
            continue
        for env in _env_names(service):
            if env in setting_names or env in FOREIGN_NAMES or env.startswith(FOREIGN_PREFIXES):
                continue
            found.append(f"{name}: environment {env} is not a Drive2 setting")
    return found


def _host_port(mapping: Any) -> tuple[int | None, str]:
    """(host port, text) of one `ports` entry; None when no host port is published."""
    if isinstance(mapping, dict):
        published = mapping.get("published")
        return (int(published) if published is not None else None), str(mapping)
    text = str(mapping).split("/", 1)[0]
    parts = text.split(":")
    if len(parts) == 1:
        return None, text
    return int(parts[-2]), text


def _check_ports(services: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    seen: dict[int, str] = {}
    for name, service in services.items():
        for mapping in service.get("ports") or []:
            try:
                host, text = _host_port(mapping)
                container = int(str(mapping).split("/", 1)[0].split(":")[-1])
            except (ValueError, TypeError):
                found.append(f"{name}: port mapping {mapping!r} is not a number")
                continue
            for port in (host, container):
                if port is not None and not 1 <= port <= 65535:
                    found.append(f"{name}: port {port} out of range in {text}")
            if host is not None:
                if host in seen:
                    found.append(f"{name}: host port {host} already published by {seen[host]}")
                seen[host] = name
    return found


def _named_volumes_used(service: dict[str, Any]) -> list[str]:
    names = []
    for volume in service.get("volumes") or []:
        source = volume.get("source") if isinstance(volume, dict) else str(volume).split(":")[0]
        if source and not source.startswith((".", "/", "~", "$")):
            names.append(source)
    return names


def _check_volumes(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    declared = set((compose.get("volumes") or {}).keys())
    used: set[str] = set()
    for name, service in services.items():
        for volume in _named_volumes_used(service):
            used.add(volume)
            if volume not in declared:
                found.append(f"{name}: volume {volume} is not declared under volumes:")
    for volume in sorted(declared - used):
        found.append(f"volume {volume} is declared but no service uses it")
    return found


def _check_stateful(services: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for name, service in services.items():
        image = str(service.get("image", ""))
        stateful = image.startswith(STATEFUL_IMAGES) or bool(_named_volumes_used(service))
        if not stateful:
            continue
        if "healthcheck" not in service:
            found.append(f"{name}: keeps state but has no healthcheck")
        if not _named_volumes_used(service):
            found.append(f"{name}: keeps state but has no named volume")
    return found


def _check_beat(services: dict[str, dict[str, Any]]) -> list[str]:
    beats = {name: _replicas(s) for name, s in services.items() if is_beat(s)}
    total = sum(beats.values())
    if total != 1:
        return [f"exactly one Celery Beat is needed, found {total} ({beats or 'none'})"]
    return []


def _check_interpolation(text: str, required: set[str]) -> list[str]:
    """Secrets must be required (${X:?...}), never silently empty."""
    found = []
    for match in _INTERPOLATION.finditer(text):
        name = match.group(1)
        if name in required and ":?" not in match.group(0):
            found.append(f"secret {name} must be written ${{{name}:?…}} so it cannot be empty")
    return found


def problems(
    compose: dict[str, Any],
    root: Path,
    setting_names: set[str],
    raw_text: str = "",
    required_secrets: frozenset[str] = frozenset(
        {"POSTGRES_PASSWORD", "JWT_SECRET", "FLOWER_BASIC_AUTH"}
    ),
) -> list[str]:
    services = _services(compose)
    if not services:
        return ["no services"]
    return [
        *_check_depends_on(services),
        *_check_builds(services, root),
        *_check_environment(services, setting_names),
        *_check_ports(services),
        *_check_volumes(compose, services),
        *_check_stateful(services),
        *_check_beat(services),
        *_check_interpolation(raw_text, set(required_secrets)),
    ]
