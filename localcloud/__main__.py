"""`python -m localcloud --port 3000`: the whole stack on this machine, no Docker, no AWS account."""

import argparse
import logging
import os
import signal
import sys
import threading

from localcloud.cloud import LocalCloud, describe
from localcloud.server import Server


def _parameter(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise SystemExit(f"--parameter takes NAME=VALUE, not {text!r}")
    return name, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--policy", default=os.environ.get("POLICY", "imind"), help="the product's policy (docs/policy.md)"
    )
    parser.add_argument("--no-auto-deliver", action="store_true", help="deliver queues/streams only on /_local/drain")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter, as `sam deploy --parameter-overrides` gives it (e.g. ConnectedSystems=crm,mailer)",
    )
    args = parser.parse_args()
    overrides = dict(_parameter(text) for text in args.parameter)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines drown the useful ones
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    cloud = LocalCloud(parameters={"Policy": args.policy, **overrides}).start()
    server = Server(cloud, args.port, auto_deliver=not args.no_auto_deliver).start()
    try:
        print(describe(cloud, server.port), flush=True)
        stopping.wait()
    finally:
        print("Stopping the local cloud...", file=sys.stderr, flush=True)
        server.stop()
        cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
