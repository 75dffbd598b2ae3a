"""One base error, one handler: every failure leaves as an exit code and one clear line."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator

from contract.errors import HotswapFailure, Refused

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class HotswapError(Exception):
    """A usage or environment error: printed as one line, exit code 2."""

    exit_code = EXIT_USAGE


class UsageError(HotswapError):
    pass


class EnvironmentProblem(HotswapError):
    pass


class ExitCode(Exception):
    """Raised to leave with a code, e.g. from argparse."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@contextlib.contextmanager
def error_handler(result: list[int]) -> Iterator[None]:
    try:
        yield
    except HotswapError as exc:
        print(f"hotswap: error: {exc}", file=sys.stderr)
        result.append(exc.exit_code)
    except Refused as exc:
        print(f"hotswap: {exc}", file=sys.stderr)
        result.append(EXIT_FINDINGS)
    except HotswapFailure as exc:  # an adapter failed (git, Prometheus, GitHub): the environment
        print(f"hotswap: error: {exc}", file=sys.stderr)
        result.append(EXIT_USAGE)
    except ExitCode as exc:
        result.append(exc.code)
    except KeyboardInterrupt:
        print("hotswap: interrupted", file=sys.stderr)
        result.append(130)
    except Exception as exc:  # a bug: still one line unless asked for the traceback
        if os.environ.get("HOTSWAP_DEBUG"):
            traceback.print_exc()
        print(
            f"hotswap: internal error: {type(exc).__name__}: {exc} (set HOTSWAP_DEBUG=1 for details)",
            file=sys.stderr,
        )
        result.append(EXIT_USAGE)
