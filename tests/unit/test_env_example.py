"""`.env.example` documents every setting of drive2.config.Settings, and nothing else.

A setting added to the code without a line here fails this test, and so does a line here
for a setting the code no longer reads. Active lines must carry the real default; settings
whose default is "unset" (None) appear only commented out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo

from drive2.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
ASSIGNMENT = re.compile(r"^(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


@dataclass(frozen=True)
class Entry:
    name: str
    value: str
    active: bool
    line_no: int


def _entries() -> list[Entry]:
    entries = []
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        match = ASSIGNMENT.match(line.strip())
        if match:
            entries.append(
                Entry(
                    name=match["name"],
                    value=match["value"].strip(),
                    active=match["comment"] is None,
                    line_no=number,
                )
            )
    return entries


def _env_names(name: str, field: FieldInfo) -> list[str]:
    """Every environment name pydantic-settings accepts for one field."""
    names: list[str] = []
    for alias in (field.validation_alias, field.alias):
        if isinstance(alias, str):
            names.append(alias)
        elif isinstance(alias, AliasChoices):
            for choice in alias.choices:
                if isinstance(choice, str):
                    names.append(choice)
                elif isinstance(choice, AliasPath) and isinstance(choice.path[0], str):
                    names.append(choice.path[0])
        elif isinstance(alias, AliasPath) and isinstance(alias.path[0], str):
            names.append(alias.path[0])
    if not names:
        names.append(Settings.model_config.get("env_prefix", "") + name)
    return list(dict.fromkeys(n.upper() for n in names))


ALIASES: dict[str, str] = {
    env: field_name
    for field_name, info in Settings.model_fields.items()
    for env in _env_names(field_name, info)
}


def test_the_file_exists() -> None:
    assert ENV_EXAMPLE.is_file(), f"{ENV_EXAMPLE} is missing"


def test_every_setting_is_documented() -> None:
    documented = {e.name for e in _entries()}
    missing = sorted(set(ALIASES) - documented)
    assert not missing, f".env.example does not document: {', '.join(missing)}"


#: Read by docker-compose.yml from the same .env, never by Drive2 (kept commented out).
COMPOSE_ONLY = frozenset(
    {"POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "FLOWER_BASIC_AUTH"}
)


def test_every_documented_name_is_a_real_setting() -> None:
    unknown = sorted({e.name for e in _entries()} - set(ALIASES) - COMPOSE_ONLY)
    assert not unknown, f".env.example names settings Drive2 does not read: {unknown}"


def test_each_setting_is_documented_once() -> None:
    names = [e.name for e in _entries()]
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert not repeated, f"documented more than once: {repeated}"


def test_each_setting_has_a_comment_above_it() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for entry in _entries():
        above = lines[entry.line_no - 2].strip() if entry.line_no > 1 else ""
        assert above.startswith("#") and not ASSIGNMENT.match(above), (
            f"line {entry.line_no} ({entry.name}) needs a comment line saying what it does"
        )


@pytest.mark.parametrize("env_name", sorted(ALIASES))
def test_unset_defaults_are_commented_out_and_others_are_active(env_name: str) -> None:
    default = Settings.model_fields[ALIASES[env_name]].default
    entry = next((e for e in _entries() if e.name == env_name), None)
    if entry is None:
        pytest.fail(f"{env_name} is missing from .env.example")
    if default is None:
        assert not entry.active, f"{env_name} defaults to unset; comment it out"
    else:
        assert entry.active, f"{env_name} has a default ({default!r}); show it uncommented"


def test_compose_only_names_are_commented_out() -> None:
    active = {e.name for e in _entries() if e.active}
    assert not active & COMPOSE_ONLY
    assert {e.name for e in _entries()} >= COMPOSE_ONLY


def test_active_values_are_the_real_defaults() -> None:
    active = {e.name: e.value for e in _entries() if e.active}
    # model_validate parses the given values only: no environment, no .env file.
    parsed = Settings.model_validate(active)
    wrong = []
    for env_name, value in active.items():
        field_name = ALIASES[env_name]
        default = Settings.model_fields[field_name].default
        if getattr(parsed, field_name) != default:
            wrong.append(f"{env_name}={value} (the default is {default!r})")
    assert not wrong, f".env.example shows values that are not the defaults: {wrong}"
