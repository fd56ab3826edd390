"""The pause between attempts of a write that lost a race (a conditional write, a transaction)."""

import random
import time


def jittered_pause(attempt: int) -> None:
    # Full jitter: concurrent writers spread out instead of colliding again in lockstep.
    time.sleep(random.uniform(0, min(0.25, 0.01 * 2**attempt)))  # noqa: S311 - not for security
