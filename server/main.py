"""`loyalty-server`: run the central server, or administer it from its own machine."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from app.core.errors import LoyaltyError

# The server's packages are the `server` extra: a till's install (`pip install .`) has this command
# but not them, and is told so instead of shown a traceback.
_NEED_EXTRA = "the server's packages are not installed ({name}): pip install 'loyalty-terminal[server]'"


def _need_extra(exc: ModuleNotFoundError) -> int:
    print(json.dumps({"error": _NEED_EXTRA.format(name=exc.name)}), file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: `serve` (default), `admin`, `store`, `terminal`, `cards`, `expire`, `verify`."""
    try:
        from server import auth, config, expiry
        from server.store import create_schema, make_engine
    except ModuleNotFoundError as exc:
        return _need_extra(exc)
    parser = argparse.ArgumentParser(prog="loyalty-server")
    parser.add_argument("--db", help="database URL (postgresql://...) or SQLite file; default from LOYALTY_SERVER_DB")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP server (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    p = sub.add_parser("admin", help="create an admin user or reset a password")
    p.add_argument("name")
    p.add_argument("--password", required=True)
    p = sub.add_parser("store", help="create a store")
    p.add_argument("name")
    p.add_argument("--address", default="")
    p = sub.add_parser("terminal", help="register a terminal and print its one-time code")
    p.add_argument("--store", type=int, required=True)
    p.add_argument("--name", required=True)
    p = sub.add_parser("cards", help="the chain's cards: list quarantined cards, or rotate the card QR key")
    p.add_argument("action", choices=("quarantine", "rotate-key"))
    sub.add_parser("expire", help="post due expiry now")
    sub.add_parser("verify", help="recompute every balance from the journal")
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
            app = create_app(settings.__class__(**{**settings.__dict__, "database": database}))
            uvicorn.run(app, host=getattr(args, "host", None) or settings.host,
                        port=getattr(args, "port", None) or settings.port, log_level="warning")  # fmt: skip
            return 0
        engine = make_engine(database)
        create_schema(engine)
        if args.command == "admin":
            auth.add_admin(engine, args.name, args.password)
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
        elif args.command == "expire":
            out = {"expired": expiry.post_expiry(engine)}
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


if __name__ == "__main__":
    raise SystemExit(main())
