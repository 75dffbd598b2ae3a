"""hotswap simulate --remote URL --game G [--region R]... [--servers-per-region N] [--port P]"""

from __future__ import annotations

import argparse
import logging
import threading

from agent.simulator import Fleet
from hotswap.errors import EXIT_OK, UsageError
from promoter.gitcli import check_remote_url

DEFAULT_REGIONS = ["NA-WEST", "NA-EAST", "EU-WEST", "EU-EAST", "APAC"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remote", required=True, help="git URL of the config repository")
    parser.add_argument("--game", required=True)
    parser.add_argument(
        "--region", action="append", help=f"regions to run servers in (default: {', '.join(DEFAULT_REGIONS)})"
    )
    parser.add_argument("--servers-per-region", type=int, default=40)
    parser.add_argument("--port", type=int, default=9100, help="port of the fleet's /metrics (default 9100)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the players' noise")


def run(args: argparse.Namespace) -> int:
    check_remote_url(args.remote)  # before anything runs git with it
    if args.servers_per_region < 1:
        raise UsageError("--servers-per-region must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    fleet = Fleet(args.remote, args.game, args.region or DEFAULT_REGIONS, args.servers_per_region, args.seed)
    port = fleet.serve(args.port)
    print(
        f"{len(fleet.servers)} servers of {args.game} following {args.remote}; metrics on http://127.0.0.1:{port}/metrics",
        flush=True,
    )
    stop = threading.Event()
    try:
        fleet.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return EXIT_OK
