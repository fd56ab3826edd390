"""AWS calls per API operation and worker step, counted with a botocore event hook on every client (moto
in-process), against the call plan. The cases and the plan are tests/integration/test_call_budget.py's, which fails
`make test` when an operation exceeds its plan; here the counts are reported.

Run alone: PYTHONPATH=src:. .venv/bin/python bench/perf_calls.py
"""

import os
from typing import Any

from perf_common import set_all_function_env, write_fragment


def main() -> dict[str, Any]:
    from moto import mock_aws

    from localcloud.provision import Provisioner
    from localcloud.template import Stack
    from tests.integration.test_call_budget import CASES, measure

    results = []
    saved = dict(os.environ)
    for case in CASES:
        with mock_aws():
            stack = Provisioner(Stack.from_template()).provision()
            set_all_function_env(stack)
            calls = measure(case, stack)
            os.environ.clear()
            os.environ.update(saved)
        results.append(
            {
                "operation": case.operation,
                "event": case.event_file,
                "calls": len(calls),
                "plan": case.max_calls,
                "within_plan": len(calls) <= case.max_calls,
                "made": calls,
            }
        )
        print(f"  calls {case.operation:52s} {len(calls):3d} (plan {case.max_calls})", flush=True)
    return {"method": "botocore before-call hook on every client, warm container, moto in-process", "cases": results}


if __name__ == "__main__":
    write_fragment("calls", main())
