"""Daily purge sweep, the legally timed guarantee: every subject whose purge day has come is queued for the
purge worker. It queries the PurgeByDay index day by day from its checkpoint (never a scan), so a missed
day is caught up and the cost is the subjects it finds. Today's bucket is read again tomorrow, so a
subject due later today is not missed."""

import json
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.sweep_state import index_members, send_batches
from domain.erasure.model import purge_partitions
from observability import logger
from wiring.erasure import checkpoint, purge_queue_settings
from wiring.shared import clock

FIRST_RUN_LOOKBACK_DAYS = 7


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config, today = purge_queue_settings(), clock().now().date()
    sweep = checkpoint("purge")
    day = (sweep.last_day() or today - timedelta(days=FIRST_RUN_LOOKBACK_DAYS)) + timedelta(days=1)
    queued = 0
    while day <= today:
        subjects = [
            s for p in purge_partitions(day) for s in index_members(config.subjects_table, "PurgeByDay", "purge_pk", p)
        ]
        send_batches(config.purge_queue_url, [json.dumps({"subject_id": s}) for s in subjects])
        queued += len(subjects)
        if day < today:
            sweep.advance(day)
        day += timedelta(days=1)
    logger.info("purge sweep done", extra={"queued": queued})
    return {"queued": queued}
