"""One warm Lambda container: imports the handler once, then answers events read from stdin.

Protocol: one JSON line in ({"event", "request_id", "deadline_ms"}), one JSON line out on the
original stdout ({"result"} or {"error"}); everything the function prints goes to stderr (its logs).
"""

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LocalContext:
    """The parts of the Lambda context object handlers and powertools read."""

    def __init__(self, function_name: str, memory_mb: int, request_id: str, deadline_ms: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def run_snapstart_hooks() -> None:
    """What Lambda does for a SnapStart function: the before-snapshot hooks when it publishes the version, the
    after-restore hooks in each environment it restores. A hook that fails fails the start, as in Lambda."""
    from snapshot_restore_py import get_after_restore, get_before_snapshot

    for hooks in (get_before_snapshot(), get_after_restore()):
        for hook, args, kwargs in hooks:
            hook(*args, **kwargs)


def main() -> None:
    handler_path = sys.argv[1]
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the function's own prints and logs go to stderr, never into the protocol
    sys.stdout = sys.stderr
    module_name, _, attribute = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
        run_snapstart_hooks()
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", module_name)
    memory = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"))
    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        request = json.loads(line)
        context = LocalContext(function_name, memory, request["request_id"], request["deadline_ms"])
        answer: dict[str, Any]
        try:
            answer = {"result": handler(request["event"], context)}
        except Exception as error:  # noqa: BLE001 - reported to the caller like Lambda's Unhandled error
            answer = {"error": {"errorType": type(error).__name__, "errorMessage": str(error)[:500]}}
            traceback.print_exc()
        protocol.write(json.dumps(answer, default=str) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
