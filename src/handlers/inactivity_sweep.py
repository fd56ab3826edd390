"""Daily inactivity sweep: every subject whose last activity was INACTIVITY_DAYS ago is queued for the inactivity
worker. Day by day from its checkpoint up to the cutoff (today - INACTIVITY_DAYS), it queries that day's shards of
the sparse ActivityByDay index, which hold exactly the subjects last active that day: never a scan, so the cost is
the subjects it finds. The checkpoint moves after each finished day, so a missed day is caught up and a run that
nears its timeout stops cleanly and the next one resumes."""

import json
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.sweep_state import index_members, send_batches
from domain.activity import day_partitions
from observability import logger
from wiring.erasure import checkpoint, inactivity_days, inactivity_sweep_settings
from wiring.shared import clock

SWEEP = "inactivity"
INDEX = "ActivityByDay"
RESERVE_MS = 30_000  # stop starting new days when less than this is left: a day never ends half-done


def first_day(checkpoint: date | None, cutoff: date) -> date:
    """The first run starts at the cutoff; later runs the day after the checkpoint (past the cutoff: nothing)."""
    return cutoff if checkpoint is None else checkpoint + timedelta(days=1)


def subjects_last_active_on(day: date) -> list[str]:
    table = inactivity_sweep_settings().subjects_table
    return [subject for p in day_partitions(day) for subject in index_members(table, INDEX, "active_pk", p)]


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config, after_days = inactivity_sweep_settings(), inactivity_days()
    if after_days is None:
        logger.info("inactivity sweep: the policy removes no inactive account")
        return {"queued": 0, "days": 0, "finished": True}
    cutoff = clock().now().date() - timedelta(days=after_days)
    sweep = checkpoint(SWEEP)
    day = first_day(sweep.last_day(), cutoff)
    queued, days, finished = 0, 0, True
    while day <= cutoff:
        if context.get_remaining_time_in_millis() < RESERVE_MS:
            finished = False
            break
        subjects = subjects_last_active_on(day)
        bodies = [json.dumps({"subject_id": s, "inactive_since": day.isoformat()}) for s in subjects]
        send_batches(config.inactivity_queue_url, bodies)
        sweep.advance(day)
        queued, days = queued + len(subjects), days + 1
        day += timedelta(days=1)
    summary = {"queued": queued, "days": days, "cutoff": cutoff.isoformat(), "finished": finished}
    logger.info(
        "inactivity sweep done" if finished else "inactivity sweep stopped early; the next run resumes", extra=summary
    )
    return summary
