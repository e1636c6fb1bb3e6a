"""`loyalty-server`: run the central server, or administer it from its own machine."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from app.core.errors import LoyaltyError

# The server's packages are the `server` extra: a till's install (`pip install .`) has this command
# but not them, and is told so instead of shown a traceback.
_NEED_EXTRA = "the server's packages are not installed ({name}): pip install 'loyalty-terminal[server]'"


# Several processes share one database only on PostgreSQL; the embedded SQLite store has one writer.
_WORKERS_NEED_PG = (
    "--workers {workers} needs PostgreSQL (--db postgresql://...): the embedded SQLite server runs as one process"
)


def _need_extra(exc: ModuleNotFoundError) -> int:
    print(json.dumps({"error": _NEED_EXTRA.format(name=exc.name)}), file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: `serve` (default), `admin`, `store`, `terminal`, `cards`, `manager`, `customer`, `rejections`,
    `corrections`, `expire`, `verify`."""
    try:
        from server import auth, config, expiry
        from server.store import POOL_ENV, create_schema, make_engine
    except ModuleNotFoundError as exc:
        return _need_extra(exc)
    parser = argparse.ArgumentParser(prog="loyalty-server")
    parser.add_argument("--db", help="database URL (postgresql://...) or SQLite file; default from LOYALTY_SERVER_DB")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP server (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="server processes on one PostgreSQL (default 1)")
    p = sub.add_parser("admin", help="create an admin user or reset a password (which ends its sessions)")
    p.add_argument("name")
    p.add_argument("--password", required=True)
    p.add_argument("--role", choices=["admin", "manager"], help="admin (default for a new one) or manager")
    p.add_argument("--store", type=int, action="append", help="a store a manager reads reports of (repeatable)")
    p = sub.add_parser("store", help="create a store")
    p.add_argument("name")
    p.add_argument("--address", default="")
    p = sub.add_parser("terminal", help="register a terminal and print its one-time code")
    p.add_argument("--store", type=int, required=True)
    p.add_argument("--name", required=True)
    p = sub.add_parser("cards", help="the chain's cards: list quarantined cards, or rotate the card QR key")
    p.add_argument("action", choices=("quarantine", "rotate-key"))
    p = sub.add_parser("manager", help="register a store's manager (blocks, cards, adjustments need one)")
    p.add_argument("--store", type=int, required=True)
    p.add_argument("--name", required=True)
    p = sub.add_parser("customer", help="a customer by card or phone, with the real phone (an admin's view)")
    p.add_argument("who", help="a card number or a phone")
    sub.add_parser("rejections", help="list the pushed items the server refused, newest first")
    sub.add_parser("expire", help="post due expiry now")
    sub.add_parser("verify", help="recompute every balance from the journal")
    p = sub.add_parser("corrections", help="list uses beyond chain-wide limits booked as corrections")
    p.add_argument("--store", type=int, help="only this store's")
    p.add_argument("--customer", help="only this customer's (uid)")
    p.add_argument("--kind", help="only this kind (coupon_uses, coupon_per_customer, birthday, referral, ...)")
    for choice in sub.choices.values():
        # `--db` after the command too (`loyalty-server serve --db URL`); SUPPRESS keeps one given before it.
        choice.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite file")
    args = parser.parse_args(argv)
    settings = config.load()
    database = args.db or settings.database
    try:
        if args.command in (None, "serve"):
            try:
                import uvicorn

                from server.api import create_app
            except ModuleNotFoundError as exc:
                return _need_extra(exc)
            host = getattr(args, "host", None) or settings.host
            port = getattr(args, "port", None) or settings.port
            workers = settings.workers if getattr(args, "workers", None) is None else args.workers
            if workers < 1 or workers > 64:
                parser.error(f"--workers must be between 1 and 64, got {workers}")
            if workers > 1 and _is_sqlite(database):
                print(json.dumps({"error": _WORKERS_NEED_PG.format(workers=workers)}), file=sys.stderr)
                return 2
            # Each process its share of the connections (the workers inherit it): N pools of the whole budget
            # could pass PostgreSQL's max_connections under load.
            os.environ.setdefault(POOL_ENV, str(max(3, settings.db_connections // workers)))
            # Once per `serve`, before the application: the schema (processes starting together take turns)
            # and the first admin, whose insert two processes starting together could both try.
            engine = make_engine(database)
            create_schema(engine)
            if settings.admin_name and settings.admin_password:
                _add_admin(engine, settings.admin_name, settings.admin_password)
            if workers == 1:
                no_admin = {**settings.__dict__, "database": database, "admin_name": None, "admin_password": None}
                uvicorn.run(create_app(settings.__class__(**no_admin), engine), host=host, port=port,
                            log_level="warning")  # fmt: skip
                return 0
            engine.dispose()
            os.environ["LOYALTY_SERVER_DB"] = database  # the workers read their settings from the environment
            uvicorn.run("server.main:app_from_env", factory=True, workers=workers, host=host, port=port,
                        log_level="warning")  # fmt: skip
            return 0
        engine = make_engine(database)
        create_schema(engine)
        if args.command == "admin":
            auth.add_admin(engine, args.name, args.password, args.role, args.store)
            out: dict[str, object] = {"admin": args.name}
        elif args.command == "store":
            out = {"store_id": auth.add_store(engine, args.name, args.address)}
        elif args.command == "terminal":
            terminal_id, code = auth.register_terminal(engine, args.store, args.name)
            out = {"terminal_id": terminal_id, "code": code}
        elif args.command == "cards":
            from server import cards

            if args.action == "rotate-key":
                out = cards.rotate_key(engine)
            else:
                out = {"quarantined": cards.quarantined(engine)}
        elif args.command == "manager":
            from server import authority

            authority.add_manager(engine, args.store, args.name)
            out = {"store_id": args.store, "manager": args.name.strip()}
        elif args.command == "customer":
            from server import customers

            out = customers.admin_view(engine, args.who, None)
        elif args.command == "rejections":
            from server import authority

            out = {"rejections": authority.rejections(engine)}
        elif args.command == "expire":
            out = {"expired": expiry.post_expiry(engine)}
        elif args.command == "corrections":
            from server import limits

            out = limits.list_corrections(engine, args.store, args.customer, args.kind)
        else:
            from app.core.services.verify import VerifyService

            report = VerifyService(engine).verify()
            print(json.dumps(report.to_json()))
            return 0 if report.ok else 1
    except LoyaltyError as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


def _add_admin(engine: Any, name: str, password: str) -> None:
    from sqlalchemy.exc import IntegrityError

    from server import auth

    try:
        auth.add_admin(engine, name, password)
    except IntegrityError:
        # Another server process starting at the same instant inserted this admin first: set the password
        # on its row instead (add_admin updates a name that exists).
        auth.add_admin(engine, name, password)


def _is_sqlite(database: str) -> bool:
    return "://" not in database or database.startswith("sqlite")


def app_from_env() -> Any:
    """One worker's application (uvicorn's factory): settings from the environment, the admin made already."""
    from server import config
    from server.api import create_app

    settings = config.load()
    return create_app(settings.__class__(**{**settings.__dict__, "admin_name": None, "admin_password": None}))


if __name__ == "__main__":
    raise SystemExit(main())
