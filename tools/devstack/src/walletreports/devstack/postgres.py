"""PostgreSQL for the stack: given URLs or one embedded pgserver, and every service's
migrations."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from walletreports.kit import migrations

from .config import StackSettings
from .console import StackError, describe, say
from .services import SERVICES
from .signals import StopSignal


def forget_dead_handles(pgdata: Path) -> None:
    """Make a server left behind by a killed stack reusable and stoppable.

    pgserver adopts a server that its data dir's postmaster.pid names as running, and
    stops it on exit only when the exiting process is the last one listed in
    .handle_pids.json. A stack killed with -9 stays in that list, so the next stack
    would reuse the server but never stop it: dead pids are dropped first. A
    postmaster.pid whose pid now belongs to some other program is removed, so that
    pgserver starts a fresh server instead of adopting that program.
    """
    import psutil

    def running(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if running(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        try:
            is_postgres = psutil.Process(pid).name().startswith("postgres")
        except psutil.NoSuchProcess:
            return  # a stale file: postgres itself ignores it
        if not is_postgres:
            (pgdata / "postmaster.pid").unlink()


def embedded_postgres(pgdata: Path, stack: contextlib.ExitStack) -> str:
    """pgserver's PostgreSQL in pgdata, stopped when `stack` closes; its URI.

    pg_ctl starts it in its own session and it is reparented once pg_ctl exits, so it
    does not die with the stack like the other children: after a kill -9 of the stack
    it keeps running, and the next start reuses it (see forget_dead_handles).
    """
    import pgserver

    forget_dead_handles(pgdata)
    try:
        server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    except Exception as exc:
        raise StackError(f"the embedded PostgreSQL did not start ({describe(exc)}); see {pgdata / 'log'}") from None
    stack.callback(server.cleanup)
    return server.get_uri()


def database_urls(state_dir: Path, config: StackSettings, stack: contextlib.ExitStack, stop: StopSignal) -> dict[str, str]:
    """Every service's database URL, in the kit's postgresql+psycopg form."""
    given = {s.name: url for s in SERVICES if (url := config.database_url(s)) is not None}
    urls = dict(given)
    missing = [s for s in SERVICES if s.name not in given]
    if missing:
        from sqlalchemy.engine import make_url

        # Not cut short by a signal: a server that pg_ctl started after we had given up
        # waiting would never be stopped. pg_ctl waits 10 s at most.
        base = make_url(embedded_postgres(state_dir / "pgdata", stack)).set(drivername="postgresql+psycopg")
        for service in missing:
            urls[service.name] = base.set(database=f"wallet_reports_{service.name}").render_as_string(hide_password=False)
        say(f"PostgreSQL: embedded pgserver in {state_dir / 'pgdata'} for {', '.join(s.name for s in missing)}")
        stop.check()
    for service in SERVICES:
        if service.name in given:
            say(f"PostgreSQL: {service.name} uses {service.env_prefix}_DATABASE_URL")
    return urls


def migrate_all(urls: dict[str, str], stop: StopSignal) -> None:
    """Every service's migrations; a failure is a StackError naming the service. A
    signal interrupts them even while one waits in the database (see StopSignal.raising)."""
    from sqlalchemy.engine import make_url

    for service in SERVICES:
        url = urls[service.name]
        try:
            with stop.raising():
                declared = service.service()
                if migrations.ensure_database(url):
                    say(f"created database for {service.name}")
                migrations.upgrade(url, declared.migrations_dir)
        except Exception as exc:
            stop.check()  # cleanup after an interruption can fail too; the interruption is the news
            where = make_url(url).render_as_string(hide_password=True)
            raise StackError(f"{service.name}: migrations failed on {where}: {describe(exc)}") from exc
    say("migrations applied for all services")
