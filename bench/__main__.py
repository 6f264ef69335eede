"""`python -m bench [--quick] [parts]`: prints each figure, ratios included.

Parts: engine, api, floor, load (one pod, then two: ``two-pods``), webhooks and scale by
default; ``ledger`` only when named: its full form inserts 110,000 occurrences into the
embedded database and takes several minutes. ``scale`` fills the database to 10,000
organisations and 1,000,000 occurrences (about ten minutes on two cores)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
from datetime import UTC, datetime

from bench import api, engine, floor, ledger, load, scale, webhooks


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "parts", nargs="*", default=["engine", "api", "floor", "load", "webhooks", "scale"]
    )
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    args = parser.parse_args()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}",
        flush=True,
    )
    if "engine" in args.parts:
        print("engine", json.dumps(engine.run(0.5 if args.quick else 3.0)), flush=True)
    if "api" in args.parts:
        print("api", json.dumps(asyncio.run(api.run(5 if args.quick else 30))), flush=True)
    if "load" in args.parts:
        figures = asyncio.run(load.run(10 if args.quick else 50, 5 if args.quick else 60))
        print("load", json.dumps(figures), flush=True)
    if "two-pods" in args.parts or "load" in args.parts:
        # The same load through two service processes on one database.
        figures = asyncio.run(load.run(10 if args.quick else 50, 5 if args.quick else 60, 2))
        print("two-pods", json.dumps(figures), flush=True)
    if "floor" in args.parts:
        print("floor", json.dumps(asyncio.run(floor.run(10 if args.quick else 40))), flush=True)
    if "webhooks" in args.parts:
        figures = asyncio.run(webhooks.run(10 if args.quick else 40))
        print("webhooks", json.dumps(figures), flush=True)
    if "ledger" in args.parts:
        sizes = {"large": 5_000, "batch": 500, "repeat": 2, "rounds": 1} if args.quick else {}
        print("ledger", json.dumps(asyncio.run(ledger.run(**sizes))), flush=True)
    if "scale" in args.parts:
        sized = {"organizations": 1_000, "occurrences": 50_000, "repeat": 5} if args.quick else {}
        print("scale", json.dumps(asyncio.run(scale.run(**sized))), flush=True)


if __name__ == "__main__":
    main()
