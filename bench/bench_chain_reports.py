"""Speed of the chain reports API on a server holding a 1,000,000-sale store, on PostgreSQL.

Usage:
    .venv/bin/python bench/bench_chain_reports.py --store /tmp/store-100k.sqlite3 --json /tmp/bench-chain.json
    .venv/bin/python bench/bench_chain_reports.py --store FILE --pg-url postgresql://postgres@127.0.0.1/bench --keep

The store comes from `bench/gen_store.py`. Its ledger is copied into a fresh PostgreSQL database
(COPY, table by table, then the server's own tables) and split over `--stores` stores with one
terminal each: every sale, refund and enrollment is given to the terminal of a store chosen from
its id, as if that terminal had pushed it (`txn_outcomes`), and each row gets the store and
terminal that booking writes on it (server schema 2), filled from txn_outcomes by the same
`fill_places` the server's upgrade runs (timed). The server's schema and indexes are the ones
`create_schema` makes; then VACUUM ANALYZE, which a live server's autovacuum does by itself.
`--pg-url` reuses a database loaded by an earlier run with `--keep`; one loaded before schema 2 is
upgraded by `create_schema` as a server's start would, and the upgrade is timed.

Then the real server runs on it (`loyalty-server serve` on 127.0.0.1) and a terminal token asks,
over HTTP, as the manager screen does: the dashboard of the month ending with the newest sale, the
full report with 15 customers per segment (what a PDF needs) and the full report with every
customer (what the screen and the CSV need). Each is timed `--runs` times after a warm-up: wall
time of the request (the server computing, encoding and sending; gzip), the answer's size, and the
terminal reading it back (`ChainReports`' strict JSON reader). The same reports are also timed in
this process straight on PostgreSQL (`ReportsService`), which tells the database's share from the
HTTP layer's. The machine is shared: the load average is recorded at the start and the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import httpx  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import Engine, insert, select, text  # noqa: E402

from app.core import repo  # noqa: E402
from app.core import schema as t  # noqa: E402
from app.core.services.report_json import from_json  # noqa: E402
from app.core.services.reports import Dashboard, Filters, Period, Report, ReportsService, Scope, StoreRow  # noqa: E402
from app.core.timeutil import from_ms  # noqa: E402
from app.reports.export_pdf import SEGMENT_ROWS  # noqa: E402
from server import auth  # noqa: E402
from server import schema as s  # noqa: E402
from server.store import create_schema, fill_places, make_engine, transaction  # noqa: E402
from tests.pg import postgres_server  # noqa: E402

ADMIN = ("bench", "bench-password")
BIN = Path(sys.executable).parent
# The ledger's tables, parents first; sqlite_sequence and the terminal-only ones (outbox, staff) stay behind.
TABLES = (
    t.meta, t.programs, t.products, t.customers, t.cards, t.lots, t.journal, t.sales, t.sale_lines,
    t.sale_line_stamps, t.refunds, t.refund_lines, t.stamps, t.stamp_moves, t.coupon_uses, t.birthday_grants,
    t.spend_events,
)  # fmt: skip


def machine() -> dict[str, Any]:
    """Where the figures come from: the machine is shared, so its load is recorded too."""
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_start": round(os.getloadavg()[0], 2),
    }


# ----------------------------------------------------------------------------- loading


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def load(store: Path, url: str, stores: int) -> dict[str, Any]:
    """Copy the store's ledger into the (empty) PostgreSQL database and split it over `stores` stores."""
    started = time.perf_counter()
    engine = make_engine(url)
    create_schema(engine)
    lite = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    counts: dict[str, int] = {}
    try:
        with psycopg.connect(_pg(url)) as pg:
            for table in TABLES:
                if table.name == "meta":
                    continue  # the server keeps no terminal meta
                names = [c.name for c in table.columns]
                rows = lite.execute(f"SELECT {', '.join(names)} FROM {table.name}")
                n = 0
                with pg.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
                counts[table.name] = n
            pg.commit()
            with pg.cursor() as cur:
                # Serial keys go on from the copied ids, as they would on a server that booked them.
                for table in TABLES:
                    if "id" in table.c and table.c.id.primary_key:
                        cur.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                        )
            pg.commit()
        with engine.begin() as conn:
            for i in range(stores):
                conn.execute(insert(s.stores).values(id=i + 1, name=f"Магазин {i + 1}", address=""))
                conn.execute(
                    insert(s.terminals).values(id=i + 1, store_id=i + 1, name=f"Касса {i + 1}", epoch=1, revoked=0)
                )
            conn.execute(text("SELECT setval(pg_get_serial_sequence('stores', 'id'), :n)"), {"n": stores})
            conn.execute(text("SELECT setval(pg_get_serial_sequence('terminals', 'id'), :n)"), {"n": stores})
        with psycopg.connect(_pg(url)) as pg:
            # Who pushed what: each sale, refund and enrollment from one store's terminal (by its id's hash).
            n = 0
            with (
                pg.cursor() as cur,
                cur.copy(
                    "COPY txn_outcomes (uid, terminal_id, epoch, seq, kind, body_sha256, status, result, created_at) "
                    "FROM STDIN"
                ) as copy,
            ):
                for kind, table in (("enroll", "customers"), ("sale", "sales"), ("refund", "refunds")):
                    for (uid,) in lite.execute(f"SELECT uid FROM {table}"):
                        n += 1
                        terminal = zlib.crc32(uid.encode()) % stores + 1
                        copy.write_row((uid, terminal, 1, n, kind, "", "applied", "{}", 0))
            counts["txn_outcomes"] = n
            pg.commit()
        # What the pushes would have written on each row: its store and terminal.
        w0 = time.perf_counter()
        with transaction(engine) as conn:
            filled = fill_places(conn)
        fill_s = round(time.perf_counter() - w0, 1)
        with psycopg.connect(_pg(url)) as pg:
            pg.autocommit = True
            pg.execute("VACUUM ANALYZE")
    finally:
        lite.close()
        engine.dispose()
    return {"rows": counts, "stores": stores, "places_filled": filled, "fill_seconds": fill_s,
            "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def _new_database(admin_url: str) -> str:
    """A new database on the server that is not dropped afterwards (--keep); its URL."""
    name = f"bench_chain_reports_{os.getpid()}"
    with psycopg.connect(_pg(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def loaded(url: str) -> bool:
    """True when the database already holds a loaded chain (a reused --pg-url)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(select(s.stores.c.id).limit(1)).first()) and bool(
                conn.execute(select(t.sales.c.id).limit(1)).first()
            )
    except Exception:
        return False
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any], runs: int) -> tuple[dict[str, Any], Any]:
    """Median, min and max wall ms (and thread-CPU ms) of `runs` calls after one warm-up; the last result."""
    result = fn()
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        result = fn()
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        wall.append((time.perf_counter_ns() - w0) / 1e6)
    figures = {
        "wall_ms": round(statistics.median(wall), 1),
        "wall_min_ms": round(min(wall), 1),
        "wall_max_ms": round(max(wall), 1),
        "cpu_ms": round(statistics.median(cpu), 1),
        "runs": runs,
    }
    return figures, result


def month(engine: Engine) -> tuple[Period, str, str]:
    """The 30 local days ending with the newest sale's day; (period, first, last)."""
    with engine.connect() as conn:
        newest = conn.execute(select(t.sales.c.at).order_by(t.sales.c.at.desc()).limit(1)).scalar_one()
        _, program = repo.program_at(conn, newest)
    zone = ZoneInfo(program.timezone)
    last = from_ms(newest).astimezone(zone).date()
    first = last - timedelta(days=29)
    return Period.local_days(first, last, zone), first.isoformat(), last.isoformat()


@contextlib.contextmanager
def serving(url: str) -> Iterator[str]:
    """`loyalty-server serve` on the database, on a free loopback port; yields its address."""
    import socket

    engine = make_engine(url)
    auth.add_admin(engine, *ADMIN)
    engine.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Path(tempfile.mkstemp(prefix="bench-chain-server-", suffix=".log")[1])
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    cmd = [str(BIN / "loyalty-server"), "serve", "--db", url, "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(address + "/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def terminal_token(address: str) -> str:
    """A live terminal token of store 1 (a new till registered and enrolled through the API)."""
    with httpx.Client(base_url=address, timeout=60) as http:
        token = http.post("/v1/admin/login", json={"name": ADMIN[0], "password": ADMIN[1]}).json()["token"]
        code = http.post(
            "/v1/admin/terminals",
            json={"store_id": 1, "name": "бенчмарк"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["code"]
        return str(http.post("/v1/terminals/enroll", json={"code": code}).json()["token"])


def measure(url: str, runs: int) -> dict[str, Any]:
    """Every timing: over HTTP from the real server, then straight on PostgreSQL."""
    engine = make_engine(url)
    period, first, last = month(engine)
    results: dict[str, Any] = {"period": {"first": first, "last": last}}
    with serving(url) as address:
        headers = {"Authorization": f"Bearer {terminal_token(address)}", "Accept-Encoding": "gzip"}
        with httpx.Client(base_url=address, headers=headers, timeout=600) as http:
            asks: dict[str, tuple[str, dict[str, Any], type]] = {
                "http_dashboard": ("/v1/reports/dashboard", {"first": first, "last": last}, Dashboard),
                "http_full_pdf": (
                    "/v1/reports/full",
                    {"start": period.start, "end": period.end, "segment_limit": SEGMENT_ROWS},
                    Report,
                ),
                "http_full_all": ("/v1/reports/full", {"start": period.start, "end": period.end}, Report),
            }
            for name, (path, params, kind) in asks.items():
                sizes: dict[str, int] = {}

                def ask(path: str = path, params: dict[str, Any] = params, sizes: dict[str, int] = sizes) -> Any:
                    answer = http.get(path, params=params)
                    answer.raise_for_status()
                    sizes["sent"] = int(answer.headers.get("content-length", len(answer.content)))
                    sizes["json"] = len(answer.content)
                    return answer.json()

                figures, body = timed(ask, runs)
                key = "dashboard" if kind is Dashboard else "report"
                read, _ = timed(lambda body=body, kind=kind, key=key: from_json(kind, body[key], key), runs)
                figures["bytes_sent"] = sizes["sent"]
                figures["bytes_json"] = sizes["json"]
                figures["terminal_reads_ms"] = read["wall_ms"]
                figures["stores"] = [from_json(StoreRow, r).store for r in body["stores"]]
                results[name] = figures
    service = ReportsService(engine, scope=Scope.CHAIN)
    results["pg_dashboard_by_store"], _ = timed(lambda: service.dashboard_by_store(period, Filters()), runs)
    results["pg_report_by_store_pdf"], _ = timed(lambda: service.report_by_store(period, None, SEGMENT_ROWS), runs)
    results["pg_report_by_store_all"], _ = timed(lambda: service.report_by_store(period), runs)
    results["pg_dashboard"], _ = timed(lambda: service.dashboard(period), runs)
    results["pg_by_store"], _ = timed(lambda: service.by_store(period), runs)
    engine.dispose()
    return results


def markdown(results: dict[str, Any]) -> str:
    """The rows pasted into docs/benchmarks-reports.md."""
    lines = ["| step | wall median (min–max), ms | CPU of this process, ms | answer |", "|---|---|---|---|"]
    for key, value in results.items():
        if not isinstance(value, dict) or "wall_ms" not in value:
            continue
        spread = f"{value['wall_ms']} ({value['wall_min_ms']}–{value['wall_max_ms']})"
        answer = ""
        if "bytes_sent" in value:
            answer = (
                f"{value['bytes_sent'] // 1024} KiB gzip ({value['bytes_json'] // 1024} KiB JSON), "
                f"read back in {value['terminal_reads_ms']} ms"
            )
        lines.append(f"| {key} | {spread} | {value['cpu_ms']} | {answer} |")
    return "\n".join(lines)


def main() -> int:
    """Load (or reuse) the chain database, run the timings, print JSON and markdown."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="a store made by bench/gen_store.py")
    parser.add_argument("--stores", type=int, default=3, help="stores to split the sales over")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (at least 5)")
    parser.add_argument("--pg-url", help="an existing database (loaded by an earlier --keep run, or empty)")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database (its URL is printed)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    if not args.store.exists():
        parser.error(f"no store at {args.store}: make one with bench/gen_store.py")
    data: dict[str, Any] = {"machine": machine()}
    with contextlib.ExitStack() as stack:
        url = args.pg_url
        if url is None:
            server = stack.enter_context(postgres_server())
            if args.keep and server.origin != "cluster":
                url = _new_database(server.admin_url)
            else:
                url = stack.enter_context(server.database())  # dropped at the end
        if not loaded(url):
            data["load"] = load(args.store, url, args.stores)
        else:
            # A database loaded by an older run: the server's start upgrades it (timed), then VACUUM
            # ANALYZE as autovacuum would after rewriting every row.
            engine = make_engine(url)
            w0 = time.perf_counter()
            create_schema(engine)
            data["upgrade_seconds"] = round(time.perf_counter() - w0, 1)
            engine.dispose()
            with psycopg.connect(_pg(url), autocommit=True) as pg:
                pg.execute("VACUUM ANALYZE")
        data["figures"] = measure(url, args.runs)
        if args.keep:
            print(f"database kept: {url}", file=sys.stderr)
    data["machine"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    print("\n" + markdown(data["figures"]))
    if args.json:
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
