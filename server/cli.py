"""The ``tsunagu`` command: Flask's CLI with Tsunagu's own commands added."""

import os
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from sync.vocabulary import ROLES, SITE_KINDS


def main() -> None:
    from . import bind_migrations, create_app

    cli = FlaskGroup(create_app=lambda: bind_migrations(create_app()), add_default_commands=True,
                     help="Tsunagu (つなぐ): the server, its data and the demo.")
    cli.main(prog_name="tsunagu")


def register_commands(app) -> None:
    for command in (demo, serve, import_sites, export_sites, create_user, backup, map_kind,
                    run_jobs):
        app.cli.add_command(command)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int,
              help="Worker processes, each with its own threads (default: 1 on SQLite, which "
                   "has one writer anyway; on PostgreSQL 1 for every 2 usable cores, at most 8).")
@click.option("--threads", type=int,
              help="Threads of each worker (default: 1 on SQLite, 4 on PostgreSQL).")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every request to standard output.")
@with_appcontext
def serve(host: str, port: int, workers: int | None, threads: int | None, access_log: bool) -> None:
    """Serve the app with gunicorn, the production WSGI server."""
    from .wsgi_server import default_threads, default_workers, run

    sqlite = current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if workers is None:
        workers = default_workers(sqlite)
    if threads is None:
        threads = default_threads(sqlite)
    run(host, port, workers, threads, access_log)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--serve/--no-serve", default=True, help="Build the demo data only.")
@with_appcontext
def demo(host: str, port: int, serve: bool) -> None:
    """Create the demo ward, its sites, programmes, logins and three months of activity
    (once), and serve."""
    from .demo.build import build_demo, login_guide

    created = build_demo()
    base = f"http://{host}:{port}"
    click.echo("Tsunagu demo — " + ("demo data created" if created else "demo data already there"))
    click.echo(f"  database:  {current_app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"  phone app: {base}/")
    click.echo(f"  API docs:  {base}/api/openapi.json")
    click.echo(f"  sites:     {base}/api/wards/14199/sites")
    click.echo(f"  calendar:  {base}/calendar/14199 (feed: {base}/calendar/14199.ics)")
    click.echo("  logins (role, login, password; then what each can do):")
    for role, login, password, can in login_guide():
        click.echo(f"    {role:<13} {login:<12} {password}")
        click.echo(f"{'':<18}{can}")
    if serve:
        from .wsgi_server import run

        # The demo shows the scheduled work too (card expiry, the evening notice).
        os.environ.setdefault("TSUNAGU_SCHEDULER", "1")
        click.echo(f"  scheduled jobs: {'on' if os.environ['TSUNAGU_SCHEDULER'] == '1' else 'off'}"
                   " (TSUNAGU_SCHEDULER)")
        # One worker: the demo runs on SQLite, which has one writer anyway.
        run(host, port, workers=1, threads=8, access_log=True)


@click.command("import-sites")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True,
              help="Show the summary of what an import would do; write nothing.")
@click.option("--kinds", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A 種別 mapping file to add first (default: FILE.kinds.csv beside FILE, "
                   "as export-sites writes it, when there is one).")
@with_appcontext
def import_sites(file: Path, dry_run: bool, kinds: Path | None) -> None:
    """Import a 「子育て施設一覧」 CSV (UTF-8 or Shift_JIS) of any municipality, ward, city or
    prefecture, and print a summary. Re-importing updates in place."""
    from .directory import opendata
    from .directory.import_summary import summary_lines
    from .directory.importer import import_sites as run_import
    from .directory.importer import kinds_file_for

    _ensure_schema()
    if kinds is None and kinds_file_for(file).is_file():
        kinds = kinds_file_for(file)
    try:
        report = run_import(file.read_bytes(), dry_run=dry_run,
                            kinds=kinds.read_bytes() if kinds else None)
    except opendata.OpenDataError as exc:
        raise click.ClickException(str(exc)) from None
    for line in summary_lines(report, file.name):
        click.echo(line)
    if report.problems:
        sys.exit(1)


def _ensure_schema() -> None:
    """Bring a new or migrated database to the current schema, so that one command works on
    a fresh database (one made by ``create_all``, as in tests, is left as it is)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from . import bind_migrations
    from .extensions import db

    tables = sa.inspect(db.engine).get_table_names()
    if not tables or "alembic_version" in tables:
        bind_migrations(current_app._get_current_object())
        upgrade()  # Alembic's log of it goes to standard error, the summary to standard out


@click.command("export-sites")
@click.option("--ward", help="Only this ward (code or slug).")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Write here instead of standard output (with --format hsds: a folder). "
                   "A CSV is written with the 種別 mapping it used beside it, as "
                   "FILE.kinds.csv.")
@click.option("--format", "format_", type=click.Choice(["csv", "hsds"]), default="csv",
              show_default=True,
              help="csv: 「子育て施設一覧」; hsds: an Open Referral HSDS 3.0 data package.")
@with_appcontext
def export_sites(ward: str | None, output: Path | None, format_: str) -> None:
    """Write the directory as a 「子育て施設一覧」 CSV (UTF-8 with BOM), or as HSDS."""
    from .directory.importer import export_kind_mapping, kinds_file_for
    from .directory.importer import export_sites as run_export
    from .directory.lookups import ward_by_code
    from .errors import ApiError

    try:
        selected = ward_by_code(ward) if ward else None
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    if format_ == "hsds":
        from .directory.hsds import write_package

        if output is None:
            raise click.ClickException("--format hsds needs --output DIR")
        count = write_package(output, selected)
        click.echo(f"HSDS data package written to {output} ({count} services)")
        return
    data = run_export(selected)
    if output:
        output.write_bytes(data)
        kinds_file_for(output).write_bytes(export_kind_mapping(selected))
    else:
        sys.stdout.buffer.write(data)


@click.command("map-kind")
@click.argument("source_type")
@click.argument("kind", type=click.Choice(SITE_KINDS), required=False)
@click.option("--skip", is_flag=True,
              help="Rows of this 種別 are not support sites (e.g. 認可保育所): count them as "
                   "skipped instead.")
@with_appcontext
def map_kind(source_type: str, kind: str | None, skip: bool) -> None:
    """Teach the importer one more 種別 wording, e.g. 「子育て支援センター」 → hub, or mark it
    as not a support site with --skip."""
    from .directory.opendata_cells import SKIP_KIND
    from .directory.operations import set_kind_mapping

    if (kind is None) == (not skip):
        raise click.UsageError("give a KIND or --skip (not both)")
    mapping = set_kind_mapping(source_type, SKIP_KIND if skip else kind)
    click.echo(f"{mapping.source_type} → {mapping.kind}")


@click.command("create-user")
@click.option("--login", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--ward", "ward_code", help="Ward code or slug (not for admin).")
@click.option("--site", "site_ids", type=int, multiple=True, help="A site id; repeat for more.")
@click.password_option()
@with_appcontext
def create_user(login, display_name, role, ward_code, site_ids, password) -> None:
    """Create an account (the first admin, or anyone)."""
    from marshmallow import ValidationError

    from schemas.accounts import UserCreateSchema

    from .accounts.operations import create_user as run_create
    from .directory.lookups import ward_by_code
    from .errors import ApiError

    try:
        code = ward_by_code(ward_code).code if ward_code else None
        data = UserCreateSchema().load({
            "login": login, "display_name": display_name, "role": role, "ward_code": code,
            "site_ids": list(site_ids), "password": password})
        user = run_create(None, data)
    except ValidationError as exc:
        raise click.ClickException(str(exc.messages)) from None
    except ApiError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields}") from None
    click.echo(f"created {user.role} {user.login} (id {user.id})")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH while the server keeps running."""
    from .backup import backup_database

    try:
        backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path}")


def _japan_datetime(_ctx, _param, value: str | None):
    if value is None:
        return None
    from .timeutil import JAPAN

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("an ISO 8601 time, e.g. 2026-11-28T18:00+09:00") from None
    # A person at a city office means Japan time when they write no offset.
    return moment if moment.tzinfo else moment.replace(tzinfo=JAPAN)


@click.command("run-jobs")
@click.option("--at", "at", callback=_japan_datetime, metavar="ISO-DATETIME",
              help="Run as of this time instead of now (no offset: Japan time).")
@with_appcontext
def run_jobs(at: datetime | None) -> None:
    """Run the scheduled jobs that are due: card expiry (hourly), the evening notice, token
    accounting, the retention of free text and the hub's review reminders (daily), the
    hub's digest (weekly, from Monday 08:00). Each runs once per hour or day
    however often this is called, so cron may call it every few minutes, beside or instead
    of TSUNAGU_SCHEDULER."""
    from .jobs import run_due
    from .timeutil import utcnow

    try:
        results = run_due(at or utcnow())
    except Exception as exc:
        raise click.ClickException(f"a job failed: {exc!r} (see the log)") from exc
    for job, result in results.items():
        if result is None:
            click.echo(f"{job}: skipped (not due, or already run for this hour, day or week)")
        else:
            click.echo(f"{job}: ran, {_JOB_SUMMARIES[job](result)}")


# One line each for a cron log; the whole result is kept in the job_run table.
_JOB_SUMMARIES = {
    "expire_cards": lambda result: f"{len(result['expired'])} cards expired",
    "evening_notice": lambda result: f"{len(result['notices'])} notices for {result['day']}",
    "token_pool_accounting": lambda result: (
        f"{sum(site['outstanding'] for site in result.values())} tokens outstanding and "
        f"{sum(site['voided'] for site in result.values())} voided in all, "
        f"at {len(result)} sites"),
    "redact_old_text": lambda result: (
        f"free text cleared in {result['records']} records and "
        f"{result['quarantined']} quarantined ops"),
    "review_reminders": lambda result: (
        f"{sum(result['reminders'].values())} reminders for {result['day']}"),
    "weekly_digest": lambda result: (
        f"{len(result['digests'])} digests for {result['week']}, mail: "
        + (result["mail"].get("mail") or f"{len(result['mail']['mailed'])} sent, "
           f"{len(result['mail']['failed'])} failed")),
}
