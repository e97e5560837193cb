"""`shelter serve | import | token | migrate | backup | restore | check`.

(The load driver that replays a surge or Nanao's 2024 headcounts is ``bench/simulate.py``.)
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shelter.config import Settings

if TYPE_CHECKING:
    from shelter.events.timeline import Load
    from shelter.writes.path import WritePath


def _settings(args: argparse.Namespace) -> Settings:
    url = getattr(args, "db", None)
    return Settings(database_url=url) if url else Settings()


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from shelter.backups import parse_every
    from shelter.live.fastpath import WS_PROTOCOL
    from shelter.logs import uvicorn_config

    settings = _settings(args)
    # The app factory runs in each worker process and reads its settings from the environment.
    os.environ["SHELTER_DATABASE_URL"] = settings.database_url
    if args.backup_dir:
        os.environ["SHELTER_BACKUP_DIR"] = str(Path(args.backup_dir).resolve())
        os.environ["SHELTER_BACKUP_EVERY_SECONDS"] = str(parse_every(args.backup_every))
        os.environ["SHELTER_BACKUP_KEEP"] = str(args.backup_keep)
    if settings.database_url.startswith("sqlite"):
        # One process serves SQLite: the door's writes get a process of their own, so the
        # writer and the event loop do not take turns at one interpreter lock
        # (writes/remote.py). SHELTER_DOOR_WRITER_PROCESS=false keeps them in one.
        os.environ.setdefault("SHELTER_DOOR_WRITER_PROCESS", "true")
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        print(
            "--workers > 1 needs PostgreSQL (--db postgresql://…); SQLite runs one worker.",
            file=sys.stderr,
        )
        return 2
    if bool(args.certfile) != bool(args.keyfile):
        print("--certfile and --keyfile go together (HTTPS needs both)", file=sys.stderr)
        return 2
    for tls_file in filter(None, (args.certfile, args.keyfile)):
        if not Path(tls_file).is_file():
            print(f"shelter serve: no such file: {tls_file}", file=sys.stderr)
            return 2
    scheme = "https" if args.certfile else "http"
    base = f"{scheme}://{args.host}:{args.port}"
    print(
        f"\n  shelter is starting on {base}\n  Vacancy page: {base}/\n"
        f"  Register for a pass: {base}/register\n  HQ dashboard: {base}/dashboard\n"
        f"  Staff desk: {base}/staff\n  Entrance kiosk: {base}/kiosk\n  API docs: {base}/docs\n"
        f"  Database: {settings.database_url}\n",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        "shelter.app:serve_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=uvicorn_config(args.log_level),
        access_log=False,
        # The live feed's fast path is written against this protocol (live/fastpath.py).
        ws=WS_PROTOCOL,
        # HTTPS served by the service itself (a LAN box with no proxy); behind Caddy, leave
        # these out and let the proxy hold the certificate (compose.yaml).
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
        # X-Forwarded-For/-Proto are believed only from these addresses (the proxy), so
        # nobody else can pose as another client address or as HTTPS.
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        ws_ping_interval=settings.ws_ping_interval_seconds,
        ws_ping_timeout=settings.ws_ping_timeout_seconds,
        ws_per_message_deflate=settings.ws_per_message_deflate,
        ws_max_size=settings.ws_max_message_bytes,
    )
    return 0


def _write_path(settings: Settings) -> WritePath:
    """The one write path, with no live clients in this process: running workers on
    PostgreSQL still hear of the change (NOTIFY) and update their own clients."""
    from shelter.bootstrap import migrate
    from shelter.db import Database
    from shelter.writes.path import Unheard, WritePath

    db = Database(settings.database_url)
    migrate(db)
    return WritePath(db, settings, publisher=Unheard())


def import_file(args: argparse.Namespace) -> int:
    from shelter.shelters import service

    settings = _settings(args)
    path = _write_path(settings)
    parsed = service.read_list(Path(args.file).read_bytes())
    result = path.run(
        functools.partial(
            service.import_csv, parsed=parsed, open_new=args.open, replace_demo=args.replace_demo
        )
    )
    print(f"created {result.created}, updated {result.updated}, skipped {len(result.skipped)}")
    if result.removed:
        print(f"removed the demo shelters {', '.join(result.removed)}")
    if result.kept_demo:
        print(f"kept the demo shelters {', '.join(result.kept_demo)}: people were checked in there")
    for skipped in result.skipped:
        print(f"  row {skipped.row}: {skipped.reason}")
    path.close()
    return 0


def token(args: argparse.Namespace) -> int:
    from shelter.auth import service as auth
    from shelter.auth.schemas import Role

    settings = _settings(args)
    role = Role(args.role)
    if role is not Role.hq and not args.shelter:
        print("--shelter is needed for kiosk and staff tokens", file=sys.stderr)
        return 2
    path = _write_path(settings)
    made = path.run(
        functools.partial(
            auth.issue,
            role=role,
            shelter_id=None if role is Role.hq else args.shelter,
            label=args.label,
        )
    )
    print(f"{role.value} token {made.id} (shown once):\n{made.token}")
    path.close()
    return 0


def migrate_cmd(args: argparse.Namespace) -> int:
    from shelter.bootstrap import bootstrap
    from shelter.db import Database

    settings = _settings(args)
    db = Database(settings.database_url)
    secret = bootstrap(db, settings)
    db.dispose()
    print("database is at the newest schema")
    if secret:
        print(f"admin (hq) token, shown once:\n{secret}")
    return 0


def backup_cmd(args: argparse.Namespace) -> int:
    from shelter import backups

    made = backups.backup(_settings(args).database_url, Path(args.file))
    print(f"backup written: {made}")
    return 0


def restore_cmd(args: argparse.Namespace) -> int:
    from shelter import backups

    settings = _settings(args)
    backups.restore(settings.database_url, Path(args.file))
    print(f"restored {args.file} into {settings.database_url}; run `shelter check` to verify")
    return 0


def check(args: argparse.Namespace) -> int:
    from shelter.db import Database
    from shelter.events import rebuild
    from shelter.events.timeline import ZERO

    db = Database(_settings(args).database_url)
    with db.reader() as session:
        live, rebuilt = rebuild.live_counts(session), rebuild.rebuild(session)
        ledger = rebuild.ledger_counts(session)
    db.dispose()
    for shelter_id in sorted(live):
        # Every count: occupancy, the accessible space, the pet area, outside.
        now, log = live[shelter_id], rebuilt.get(shelter_id, ZERO)
        mark = "ok" if now == log == ledger.get(shelter_id, ZERO) else "MISMATCH"
        print(f"{shelter_id}\tlive {_counts(now)}\tlog {_counts(log)}\t{mark}")
    return 0 if live == rebuilt == ledger else 1


def _counts(load: Load) -> str:
    return (
        f"{load.occupancy} (accessible {load.accessible}, pets {load.pets}, outside {load.outside})"
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="shelter", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    db_help = "database URL (default: env SHELTER_DATABASE_URL or sqlite:///./shelter.db)"

    p = sub.add_parser("serve", help="serve the API, pages and live feed")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--db", help=db_help)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL only)")
    p.add_argument("--log-level", default="info")
    p.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="addresses of the reverse proxy whose X-Forwarded-* headers are trusted",
    )
    p.add_argument("--certfile", help="serve HTTPS with this certificate (PEM, with its chain)")
    p.add_argument("--keyfile", help="the certificate's private key (PEM)")
    p.add_argument("--backup-dir", help="take backups into this folder while serving")
    p.add_argument("--backup-every", default="10m", help="how often: 90s, 10m, 1h (default 10m)")
    p.add_argument("--backup-keep", type=int, default=24, help="how many to keep (default 24)")
    p.set_defaults(run=serve)

    p = sub.add_parser("import", help="import a municipal open-data shelter CSV")
    p.add_argument("file")
    p.add_argument("--db", help=db_help)
    p.add_argument("--open", action="store_true", help="open the shelters it creates")
    p.add_argument(
        "--replace-demo",
        action="store_true",
        help="delete the five demo shelters the file does not name (unless people used them)",
    )
    p.set_defaults(run=import_file)

    p = sub.add_parser("token", help="make a token (hq, or kiosk/staff for one shelter)")
    p.add_argument("--role", choices=["hq", "kiosk", "staff"], default="hq")
    p.add_argument("--shelter", help="shelter id (kiosk and staff)")
    p.add_argument("--label", default="made with shelter token")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=token)

    p = sub.add_parser("migrate", help="create or upgrade the schema (and seed a new database)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=migrate_cmd)

    p = sub.add_parser("backup", help="a consistent copy of the database, while it runs")
    p.add_argument("file", help="where to write it")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=backup_cmd)

    p = sub.add_parser("restore", help="replace the database with a backup (stop serving first)")
    p.add_argument("file", help="a file made by `shelter backup`")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=restore_cmd)

    p = sub.add_parser("check", help="compare live counts with a rebuild from the event log")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=check)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run a command; a mistake anyone can make ends in one clear line, not a traceback."""
    from pydantic import ValidationError
    from sqlalchemy.exc import OperationalError

    from shelter.errors import ShelterError

    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except ValidationError as exc:  # a setting (SHELTER_*) that cannot be used
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return _fail(args, reasons)
    except ShelterError as exc:  # an unknown shelter, a file that is not a shelter list
        return _fail(args, exc.message)
    except OSError as exc:  # a file that is not there or cannot be read
        return _fail(args, f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except OperationalError as exc:  # the database is not there, or refuses us
        return _fail(args, f"cannot reach the database: {str(exc.orig).strip().splitlines()[0]}")
    return code


def _fail(args: argparse.Namespace, message: str) -> int:
    print(f"shelter {args.command}: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
