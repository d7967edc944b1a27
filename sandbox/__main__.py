"""python -m sandbox serve|reset|mint-grant."""

from __future__ import annotations

import argparse
import logging
import pathlib
import sys

from werkzeug.serving import run_simple

from sandbox.app import create_app
from sandbox.metadata import org
from sandbox.seed import reset, seed
from sandbox.settings import SandboxSettings
from sandbox.tokens import Tokens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the sandbox (seeds an empty database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--base-url", help="public URL (default http://HOST:PORT)")
    serve.add_argument(
        "--access-log",
        default="-",
        metavar="FILE",
        help="append the access log (one line a request) to FILE; '-' (default): the terminal",
    )
    for command in (serve, sub.add_parser("reset", help="wipe and re-seed the database")):
        command.add_argument("--db", default="var/sandbox.sqlite3")
        command.add_argument("--records", type=int, default=5000)
        command.add_argument("--rng-seed", type=int, default=42)
    mint = sub.add_parser("mint-grant", help="print a self-client grant code")
    mint.add_argument("--db", default="var/sandbox.sqlite3")
    mint.add_argument("--client-id", required=True)
    mint.add_argument("--scopes", required=True, help="comma-separated scopes")
    mint.add_argument("--user", help="sandbox user email (default: the admin)")
    args = parser.parse_args(argv)
    _make_parent(args.db)
    if args.command == "reset":
        reset(db_path=args.db, records=args.records, rng_seed=args.rng_seed)
        print(f"reset {args.db}")
        return 0
    if args.command == "mint-grant":
        user = org.user_by_email(args.user) if args.user else org.USERS[0]
        if user is None:
            print(f"no sandbox user {args.user}", file=sys.stderr)
            return 2
        seed(db_path=args.db)
        app = create_app(db_path=args.db)
        print(
            Tokens(app.store, app.settings).mint_grant(
                client_id=args.client_id,
                user_id=user["id"],
                scopes=[s.strip() for s in args.scopes.split(",") if s.strip()],
            )
        )
        return 0
    seed(db_path=args.db, records=args.records, rng_seed=args.rng_seed)
    base_url = args.base_url or f"http://{args.host}:{args.port}"
    app = create_app(db_path=args.db, settings=SandboxSettings(base_url=base_url))
    if args.access_log != "-":
        _access_log_to(args.access_log)
    run_simple(args.host, args.port, app, threaded=True)
    return 0


def _access_log_to(path: str) -> None:
    """Werkzeug's request lines go to `path` instead of the terminal (errors stay there)."""
    _make_parent(path)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(message)s"))
    requests_log = logging.getLogger("werkzeug")
    requests_log.addHandler(handler)
    requests_log.setLevel(logging.INFO)
    requests_log.propagate = False


def _make_parent(path: str) -> None:
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    sys.exit(main())
