"""hotswap agent --game G --region R --server-id S --remote URL --out DIR [--exec CMD] [--signal-pid PID]"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import threading
from pathlib import Path

from prometheus_client import start_http_server

from agent.agent import Agent, InvalidConfig
from agent.bluegreen import POOLS
from agent.events_file import ActiveEventsFile
from agent.git_channel import GitRemote
from agent.sidecar import notify, publish, stage
from agent.snapshot import ConfigSnapshot
from contract.errors import HotswapFailure
from contract.gitcli import check_remote_url
from hotswap.errors import EXIT_FINDINGS, EXIT_OK, EnvironmentProblem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--game", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--server-id", required=True)
    parser.add_argument("--remote", required=True, help="git URL of the config repository")
    parser.add_argument(
        "--out", type=Path, required=True, help="directory (a managed symlink) holding the current config"
    )
    parser.add_argument("--exec", dest="exec_command", help="command to run after each swap")
    parser.add_argument("--signal-pid", type=int, help="send SIGHUP to this process after each swap")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls (default 2)")
    parser.add_argument("--cache", type=Path, help="cache for remote URLs (default: beside --out)")
    parser.add_argument("--metrics-port", type=int, help="serve the agent's metrics on this port")
    parser.add_argument("--once", action="store_true", help="one poll, then exit")
    parser.add_argument(
        "--pool",
        choices=POOLS,
        default="blue",
        help="blue-green: green follows the region's green ref while it exists (default blue: the ring)",
    )
    parser.add_argument(
        "--events-file",
        type=Path,
        help="the live events active now, as JSON, rewritten at each boundary (default: active-events.json beside --out)",
    )


def run(args: argparse.Namespace) -> int:
    check_remote_url(args.remote)  # before anything runs git with it
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    cache = args.cache or args.out.parent / f".{args.out.name}.cache"
    command = shlex.split(args.exec_command) if args.exec_command else None

    def to_folder(new: ConfigSnapshot) -> None:
        # Part of the swap: when it fails the agent keeps its old config (and metrics) and retries.
        publish(args.out, new.version, dict(new.files))

    agent = Agent(
        args.game, args.region, args.server_id, GitRemote(args.remote, cache), publisher=to_folder, pool=args.pool
    )

    def on_swap(_old: ConfigSnapshot | None, new: ConfigSnapshot) -> None:
        notify(command, args.signal_pid, args.out, new.revision)
        print(f"{args.server_id}: {args.out} now holds {new.revision} (ring-{agent.ring})", flush=True)

    events = ActiveEventsFile(
        agent,
        args.events_file or args.out.parent / "active-events.json",
        lambda: notify(command, args.signal_pid, args.out, agent.snapshot.revision if agent.snapshot else ""),
    )
    agent.add_listener(events.config_changed)  # before on_swap: the file is current when the server is told
    agent.add_listener(on_swap)
    if agent.bluegreen is not None:  # a switch at an instant: its folder is written ahead, the link swapped then
        agent.bluegreen.stager = lambda new: stage(args.out, new.version, dict(new.files))
    if args.metrics_port:
        start_http_server(args.metrics_port, addr="127.0.0.1")
    if args.once:
        try:
            agent.poll_once()
        except InvalidConfig as exc:
            print(f"hotswap: refused: {exc}")
            return EXIT_FINDINGS
        except HotswapFailure as exc:  # fetch, malformed, publish, internal: counted and logged already
            raise EnvironmentProblem(str(exc)) from None
        return EXIT_OK
    stop = threading.Event()
    events.start(stop)
    try:
        agent.run(stop, args.interval)
    except KeyboardInterrupt:
        stop.set()
        events.wake()
    return EXIT_OK
