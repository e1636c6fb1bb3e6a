"""A till's customer lookup while the admin login is flooded: latency quiet vs under flood, and server memory.

Usage (real `loyalty-server serve` under uvicorn on 127.0.0.1):

    nice .venv/bin/python bench/bench_login_flood.py [--setup default] [--db sqlite|postgresql]
        [--flooders 40] [--lookups 300] [--blocks 3] [--customers 2000] [--json /tmp/bench-login.json]

What is measured, per setup:

- quiet: one terminal's `GET /v1/customers/lookup?q=<card>` one after another (as a till asks),
  random cards of a chain of `--customers`;
- flood: the same lookups while another process keeps `--flooders` bad admin logins in flight at
  once (asyncio, one connection each, random wrong passwords for the admin's name and for unknown
  names, each sent again as soon as it is answered, whatever Retry-After says);
- quiet and flooded blocks take turns (`--blocks`, `--lookups` in all per side);
- the server's resident memory (VmRSS, sampled every 50 ms) at its peak during each phase, and the
  logins' answers by status (401 wrong, 429 locked out, 503 too many at once).

Setups (environment of the server, server/config.py):

- `default`: as shipped: lockout per name and address, one password check at a time, 8 waiting;
- `bounded`: the lockout off (limits of a million a minute), so every bad login is checked:
  what the bounded hashing alone does;
- `unbounded`: the lockout off and 40 password checks at once: the server as it was before
  (every login hashed on the request threadpool at once).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.core.identity import card_number  # noqa: E402
from bench.bench_sync import AdminApi, Server, _percentiles, database, fill_chain, machine  # noqa: E402

OPEN = "1000000/minute"
SETUPS: dict[str, dict[str, str]] = {
    "default": {},
    "bounded": {"LOYALTY_LIMIT_LOGIN_NAME": OPEN, "LOYALTY_LIMIT_LOGIN_ADDR": OPEN},
    "unbounded": {
        "LOYALTY_LIMIT_LOGIN_NAME": OPEN,
        "LOYALTY_LIMIT_LOGIN_ADDR": OPEN,
        "LOYALTY_HASH_CONCURRENCY": "40",
        "LOYALTY_HASH_QUEUE": "0",
    },
}


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MiB)."""
    total = 0
    pids = {pid}
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    fields = (entry / "stat").read_text().rpartition(")")[2].split()
                    if int(fields[1]) == pid:
                        pids.add(int(entry.name))
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


class RssPeak:
    """The peak resident memory of the server while its blocks run (it may be entered several times)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.pid))
            self._stop.wait(0.05)

    def __enter__(self) -> RssPeak:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


FLOOD = """
import asyncio, collections, json, random, sys
import httpx

url, flooders, admin = sys.argv[1], int(sys.argv[2]), sys.argv[3]
counts = collections.Counter()

async def one(client):
    while True:
        name = admin if random.random() < 0.5 else f"guess{random.randrange(10**6)}"
        try:
            r = await client.post("/v1/admin/login", json={"name": name, "password": f"wrong{random.random()}"})
            counts[r.status_code] += 1
        except httpx.HTTPError as exc:
            counts[type(exc).__name__] += 1

async def main():
    limits = httpx.Limits(max_connections=flooders, max_keepalive_connections=flooders)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        tasks = [asyncio.create_task(one(client)) for _ in range(flooders)]
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        for t in tasks:
            t.cancel()
    print(json.dumps({str(k): v for k, v in counts.items()}))

asyncio.run(main())
"""


def _lookups(url: str, token: str, cards: list[str], n: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        for _ in range(n):
            started = time.perf_counter()
            answer = http.get("/v1/customers/lookup", params={"q": random.choice(cards)})
            samples.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
    return samples


def run_setup(name: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """One server with this setup: quiet lookups, then lookups under the flood."""
    saved = dict(os.environ)
    os.environ.update(SETUPS[name])
    try:
        with database(args.db, folder) as db:
            fill_chain(db, args.customers)
            with Server(db) as server:
                admin = AdminApi(server.url)
                admin.chain()
                code = admin.code("flooded-till")
                token = httpx.post(server.url + "/v1/terminals/enroll", json={"code": code}).json()["token"]
                cards = [card_number(9_000_000 + i) for i in range(args.customers)]
                assert server.proc is not None
                _lookups(server.url, token, cards, 20)  # warm up
                quiet: list[float] = []
                flooded: list[float] = []
                logins: dict[str, int] = {}
                quiet_rss, flood_rss = RssPeak(server.proc.pid), RssPeak(server.proc.pid)
                per_block = max(1, args.lookups // args.blocks)
                # Quiet and flooded blocks take turns, so a change in the shared machine's load between
                # them shows in both alike.
                for _ in range(args.blocks):
                    with quiet_rss:
                        quiet += _lookups(server.url, token, cards, per_block)
                    flood = subprocess.Popen(
                        [sys.executable, "-c", FLOOD, server.url, str(args.flooders), "bench"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                    )  # fmt: skip
                    time.sleep(1.0)  # the flood in full swing
                    with flood_rss:
                        flooded += _lookups(server.url, token, cards, per_block)
                    out, _ = flood.communicate("stop\n", timeout=300)
                    for status, count in json.loads(out.strip() or "{}").items():
                        logins[status] = logins.get(status, 0) + count
                admin.http.close()
                q, f = _percentiles(quiet), _percentiles(flooded)
                return {
                    "setup": name,
                    "environment": SETUPS[name],
                    "quiet": {**q, "rss_peak_mb": quiet_rss.peak},
                    "flood": {**f, "rss_peak_mb": flood_rss.peak, "logins": logins},
                    "median_ratio": round(statistics.median(flooded) / statistics.median(quiet), 2),
                    "p95_ratio": round(f["p95_ms"] / q["p95_ms"], 2),
                }
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main() -> int:
    """Run the setups asked for and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="append", choices=sorted(SETUPS), help="default: all three")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--flooders", type=int, default=40)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--blocks", type=int, default=3, help="quiet and flooded blocks taking turns")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": machine(), "db": args.db, "flooders": args.flooders, "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench-login-") as tmp:
        for name in args.setup or ["unbounded", "bounded", "default"]:
            result["runs"].append(run_setup(name, args, Path(tmp)))
            print(json.dumps(result["runs"][-1]), file=sys.stderr)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
