"""hotswap simulate --remote URL --game G [--region R]... [--servers-per-region N] [--players-per-server N]
[--speed X] [--seed S] [--port P]"""

from __future__ import annotations

import argparse
import logging
import math
import threading

from agent.players import PLAYERS_PER_SERVER
from agent.simulator import Fleet
from contract.gitcli import check_remote_url
from hotswap.errors import EXIT_OK, UsageError

DEFAULT_REGIONS = ["NA-WEST", "NA-EAST", "EU-WEST", "EU-EAST", "APAC"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remote", required=True, help="git URL of the config repository")
    parser.add_argument("--game", required=True)
    parser.add_argument(
        "--region", action="append", help=f"regions to run servers in (default: {', '.join(DEFAULT_REGIONS)})"
    )
    parser.add_argument("--servers-per-region", type=int, default=40)
    parser.add_argument(
        "--players-per-server",
        type=int,
        default=PLAYERS_PER_SERVER,
        help=f"mean players a server holds; every count scales with it (default {PLAYERS_PER_SERVER}: a mid-size game)",
    )
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall-clock second (default 1)")
    parser.add_argument("--port", type=int, default=9100, help="port of the fleet's /metrics (default 9100)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the players' noise")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between ticks and polls (default 1)")
    parser.add_argument(
        "--green-servers",
        type=int,
        default=0,
        help="servers of each region started as the blue-green green pool (default 0)",
    )


def run(args: argparse.Namespace) -> int:
    check_remote_url(args.remote)  # before anything runs git with it
    if args.servers_per_region < 1:
        raise UsageError("--servers-per-region must be at least 1")
    if args.players_per_server < 1:
        raise UsageError("--players-per-server must be at least 1")
    if not (math.isfinite(args.speed) and args.speed > 0):
        raise UsageError("--speed must be above 0")
    if not (math.isfinite(args.interval) and args.interval > 0):
        raise UsageError("--interval must be above 0")
    if not 0 <= args.green_servers <= args.servers_per_region:
        raise UsageError("--green-servers must be between 0 and --servers-per-region")
    logging.basicConfig(level=logging.WARNING)
    fleet = Fleet(
        args.remote,
        args.game,
        args.region or DEFAULT_REGIONS,
        args.servers_per_region,
        args.seed,
        players_per_server=args.players_per_server,
        speed=args.speed,
        green_servers=args.green_servers,
    )
    port = fleet.serve(args.port)
    print(
        f"{len(fleet.servers)} servers of {args.game} following {args.remote}, "
        f"{args.players_per_server} players each at {args.speed:g}x; metrics on http://127.0.0.1:{port}/metrics",
        flush=True,
    )
    stop = threading.Event()
    try:
        fleet.run(stop, args.interval)
    except KeyboardInterrupt:
        stop.set()
    return EXIT_OK
