"""`python -m bench [--quick] [engine api load]`: prints each figure, ratios included."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
from datetime import UTC, datetime

from bench import api, engine, load


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("parts", nargs="*", default=["engine", "api", "load"])
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


if __name__ == "__main__":
    main()
