"""The cost of checking pushed bodies at the server's edge (app/core/wire.py), per body, in one process.

    .venv/bin/python bench/bench_wire.py [--rounds 2000]

Validates the captured bodies of tests/fixtures/wire-bodies.json (every kind, as today's terminal
queues them) with the same strict validators the push endpoint uses, and prints microseconds per
body by kind, beside the cost of parsing the same body from JSON (what every push already pays).
The whole push (HTTP, validation, booking) is measured by bench/bench_sync.py ingest.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from app.core import wire

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "wire-bodies.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    bodies = json.loads(FIXTURE.read_text(encoding="utf-8"))
    out: dict[str, dict[str, float]] = {}
    for kind in sorted({b["kind"] for b in bodies}):
        mine = [b["body"] for b in bodies if b["kind"] == kind]
        texts = [json.dumps(b) for b in mine]
        check = wire.validator(kind).validate_python
        start = time.perf_counter()
        for _ in range(args.rounds):
            for body in mine:
                check(body)
        validate = (time.perf_counter() - start) / (args.rounds * len(mine))
        start = time.perf_counter()
        for _ in range(args.rounds):
            for text in texts:
                json.loads(text)
        parse = (time.perf_counter() - start) / (args.rounds * len(mine))
        out[kind] = {"validate_us": round(validate * 1e6, 1), "json_parse_us": round(parse * 1e6, 1),
                     "bytes": round(sum(map(len, texts)) / len(texts))}  # fmt: skip
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
