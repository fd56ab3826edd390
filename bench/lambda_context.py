"""The LambdaContext the benchmarks hand a handler they invoke in-process: the fields powertools reads, and the
remaining time the sweeps check.

Imports nothing: bench/perf_child.py loads it before its timer starts (what the handler imports is what is timed),
and bench/bench_inactivity_sweep.py uses it without perf_common's environment.
"""


class Context:
    """The context of function `name` (its ARN, log group and stream), with a fixed remaining time."""

    function_version = "$LATEST"

    def __init__(
        self,
        name: str = "bench",
        *,
        request_id: str = "bench-request",
        memory_mb: int = 1024,
        remaining_ms: int = 900_000,
    ) -> None:
        self.function_name = name
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = name
        self._remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining_ms
