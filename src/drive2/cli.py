"""`drive2 serve | api | worker | beat | migrate | user …`"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from drive2.config import get_settings, reset_settings_cache
from drive2.data_dir import prepare_data_dir, private_umask


def embedded_environment(data_path: Path, port: int) -> dict[str, str]:
    """What `serve`'s children run with: its data dir, and its port, so the worker's links
    in LINE messages point at the port the API really listens on when PUBLIC_URL is unset."""
    return dict(os.environ, DRIVE2_DATA_DIR=str(data_path), API_PORT=str(port))


def _settings_with(data_dir: Path | None) -> None:
    if data_dir is not None:
        os.environ["DRIVE2_DATA_DIR"] = str(data_dir)
    reset_settings_cache()


@click.group()
@click.version_option(package_name="drive2")
def main() -> None:
    """Drive2: a self-hosted AI file drive."""


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--revision", default="head", show_default=True)
def migrate(data_dir: Path | None, revision: str) -> None:
    """Bring the database schema up to date."""
    from drive2.adapters.db.migrate import upgrade

    private_umask()
    _settings_with(data_dir)
    settings = get_settings()
    prepare_data_dir(settings.data_path)
    upgrade(settings.resolved_database_url, revision)
    click.echo(f"database migrated to {revision}")


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--host", default=None, help="default: API_HOST or 127.0.0.1")
@click.option("--port", type=int, default=None, help="default: API_PORT or 8000")
@click.option("--concurrency", type=int, default=None, help="worker processes")
def serve(
    data_dir: Path | None, host: str | None, port: int | None, concurrency: int | None
) -> None:
    """Run everything on this machine: API, a Celery worker and Beat."""
    from drive2.adapters.db.migrate import upgrade
    from drive2.logging_setup import configure_logging
    from drive2.supervisor import Supervisor, embedded_children

    private_umask()  # the API, worker and Beat started below inherit it
    _settings_with(data_dir)
    settings = get_settings()
    configure_logging(settings)
    prepare_data_dir(settings.data_path)
    upgrade(settings.resolved_database_url)
    settings.resolved_jwt_secret()  # created once here, before the children race for it
    host = host or settings.api_host
    port = port or settings.api_port
    env = embedded_environment(settings.data_path, port)
    children = embedded_children(
        host, port, concurrency or settings.worker_concurrency, settings.log_level
    )
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    url = settings.public_url or f"http://{shown}:{port}"
    message = f"Drive2 is running at {url}  (data in {settings.data_path}; Ctrl-C stops it)"
    sys.exit(Supervisor(children, env).run(ready_message=message))


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--workers", type=int, default=1, show_default=True)
def api(host: str | None, port: int | None, workers: int) -> None:
    """Run only the HTTP API (server deployment)."""
    from drive2.supervisor import HTTP_PROTOCOL

    private_umask()
    settings = get_settings()
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "drive2.api.asgi:create_app_from_env",
            "--host",
            host or settings.api_host,
            "--port",
            str(port or settings.api_port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--http",
            HTTP_PROTOCOL,
        ],
    )


@main.command()
@click.option("--concurrency", type=int, default=None)
@click.option("--pool", type=click.Choice(["prefork", "solo", "threads"]), default="prefork")
@click.option("--queues", "-Q", default=None, help="comma-separated queues to consume")
def worker(concurrency: int | None, pool: str, queues: str | None) -> None:
    """Run a Celery worker (server deployment)."""
    private_umask()
    settings = get_settings()
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "drive2.worker.celery_app",
        "worker",
        "--loglevel",
        settings.log_level,
        "--pool",
        pool,
        "--concurrency",
        str(concurrency or settings.worker_concurrency),
    ]
    if queues:
        argv += ["-Q", queues]
    os.execvp(sys.executable, argv)


@main.command()
def beat() -> None:
    """Run Celery Beat (exactly one per deployment)."""
    private_umask()
    settings = get_settings()
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "drive2.worker.celery_app",
            "beat",
            "--loglevel",
            settings.log_level,
        ],
    )


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--quota-bytes", type=int, default=None)
def user_create(email: str, password: str, quota_bytes: int | None) -> None:
    """Create a user (operators)."""
    from drive2.bootstrap import build_container
    from drive2.domain.errors import Drive2Error

    container = build_container(get_settings())
    try:
        created = container.auth.register(email, password, quota_bytes)
    except Drive2Error as exc:
        raise click.ClickException(str(exc) or type(exc).__name__) from exc
    click.echo(f"created user {created.email} ({created.id})")


@user.command("set-quota")
@click.argument("email")
@click.argument("quota_bytes", type=int)
def user_set_quota(email: str, quota_bytes: int) -> None:
    """Change a user's storage quota."""
    from drive2.bootstrap import build_container

    container = build_container(get_settings())
    found = container.repo.get_user_by_email(container.auth.normalise_email(email))
    if found is None:
        raise click.ClickException(f"no user {email}")
    container.repo.set_quota(found.id, quota_bytes)
    click.echo(f"quota of {found.email} set to {quota_bytes} bytes")


@main.group()
def invite() -> None:
    """Invite codes for REGISTRATION=invite."""


@invite.command("create")
@click.option("--days", type=float, default=7.0, show_default=True, help="valid this long")
@click.option("--note", default=None, help="who it is for (kept with the invite)")
def invite_create(days: float, note: str | None) -> None:
    """Print a new single-use invite code (only its hash is stored: copy it now)."""
    from drive2.bootstrap import build_container

    container = build_container(get_settings())
    try:
        made = container.registration.create_invite(days, note)
    finally:
        container.close()
    click.echo(made.code)
    click.echo(f"single use, valid until {made.expires_at.isoformat(timespec='seconds')}", err=True)


@main.command()
def sweep() -> None:
    """Run the stuck-file sweeper once, now."""
    from drive2.bootstrap import build_container

    report = build_container(get_settings()).sweeper.sweep()
    click.echo(
        f"failed stuck: {len(report.failed_stuck)}, re-queued: {len(report.redispatched)}, "
        f"undeliverable: {len(report.failed_undeliverable)}, "
        f"recovered from lost workers: {len(report.recovered)}"
    )


@main.command()
@click.option("--user", "email", default=None, help="only this user's files")
@click.option(
    "--background", is_flag=True, help="leave it to the workers (Beat starts them) and return"
)
def reindex(email: str | None, background: bool) -> None:
    """Re-embed existing files with the configured EMBEDDING_MODEL, with a progress bar.

    Search keeps answering from the old model's collection until the new one is complete,
    then switches and drops the old one. Stopping this (Ctrl-C, a kill) loses nothing: the
    next run, or the workers' background job, resumes where it stopped."""
    from drive2.bootstrap import build_container
    from drive2.services.reindex import BUSY, COMPLETE

    container = build_container(get_settings())
    service = container.reindex
    if email is not None:
        found = container.repo.get_user_by_email(email.strip().lower())
        if found is None:
            raise click.ClickException(f"no user {email}")
        total = service.collections.count_files(found.id)
        with click.progressbar(length=total, label=f"re-embedding {found.email}") as bar:
            done = service.run_user(found.id, lambda n, _: bar.update(n - bar.pos))
        click.echo(f"{done} files of {found.email} re-embedded with {service.model}")
        return
    state = service.ensure()
    if background:
        click.echo(f"{service.model}: {state.state}; the workers go on in the background")
        return
    with click.progressbar(
        length=max(state.files_total, 1), label=f"re-embedding with {service.model}"
    ) as bar:
        bar.update(state.files_done)
        outcome = service.run(progress=lambda n, _: bar.update(n - bar.pos))
    if outcome == BUSY:
        raise click.ClickException("another re-embedding job is running (a worker's)")
    status = service.status()
    assert outcome == COMPLETE
    click.echo(f"search reads {status.serving_model} ({status.files_done} files re-embedded)")


# --- operating (issue 7): flower, doctor, config-reference -----------------------------------


@main.command()
@click.option("--port", type=int, default=5555, show_default=True)
@click.option("--address", default=None, help="default: all interfaces")
@click.option(
    "--basic-auth",
    default=None,
    help="user:password[,user2:password2]; default: the FLOWER_BASIC_AUTH environment variable",
)
def flower(port: int, address: str | None, basic_auth: str | None) -> None:
    """Run Flower, Celery's monitor, on the Drive2 app (same as `celery -A
    drive2.worker.celery_app flower`)."""
    settings = get_settings()
    if settings.embedded_broker:
        click.echo(
            "warning: the embedded SQLite broker carries no task events or remote control, so "
            "Flower will show no workers or tasks; use Redis (REDIS_URL) to watch workers.",
            err=True,
        )
    if not (basic_auth or os.environ.get("FLOWER_BASIC_AUTH")):
        click.echo(
            "warning: no --basic-auth / FLOWER_BASIC_AUTH: the UI is open to anyone who can "
            "reach the port, and Flower's HTTP API is off.",
            err=True,
        )
    argv = [sys.executable, "-m", "celery", "-A", "drive2.worker.celery_app", "flower"]
    argv.append(f"--port={port}")
    if address:
        argv.append(f"--address={address}")
    if basic_auth:
        argv.append(f"--basic-auth={basic_auth}")
    os.execvp(sys.executable, argv)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def doctor(as_json: bool) -> None:
    """Check the parts (database, object store, broker, vector index) and the system tools.

    Exits 1 when a part is down or a required tool or OCR language is missing."""
    import json

    from drive2.bootstrap import build_container
    from drive2.services.doctor import diagnose, render

    settings = get_settings()
    container = build_container(settings)
    try:
        report = diagnose(settings, container.health)
    finally:
        container.close()
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else render(report))
    sys.exit(0 if report.ok else 1)


@main.command("config-reference")
@click.option(
    "--write",
    "doc",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="rewrite the generated block of this Markdown file (e.g. docs/operations.md)",
)
def config_reference(doc: Path | None) -> None:
    """Print the configuration reference generated from the Settings class."""
    from drive2.config_reference import render_reference, update_document

    if doc is None:
        click.echo(render_reference())
        return
    changed = update_document(doc)
    click.echo(f"{doc}: {'updated' if changed else 'already current'}")


if __name__ == "__main__":
    main()
