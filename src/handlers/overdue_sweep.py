"""Daily: requests past their legal deadline and not completed (open, or failed and not closed by an operator) are
published and counted, so an alarm on the OverdueRequests metric can page someone. Queries only those status
partitions of the requests index, never the table nor the closed partitions.

Also daily, the policy's announcement: a version of the product's policy not announced yet (the first run after a
deploy that changed it) is published once as PolicyChanged (policy/announcement.py), before it is recorded, so a
failure between the two announces it again with the same event_id rather than never."""

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.publisher import publish
from observability import logger
from wiring.policy import announcements, policy
from wiring.requests import operator_desk
from wiring.shared import clock, settings

metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    overdue = operator_desk().overdue()
    for request in overdue:
        publish(
            settings().event_bus_name,
            "DataSubjectRequestOverdue",
            {
                "request_id": request.request_id,
                "subject_id": request.subject_id,
                "type": request.type,
                "status": request.status,
                "due_at": request.due_at.isoformat(),
            },
        )
    metrics.add_metric(name="OverdueRequests", unit=MetricUnit.Count, value=len(overdue))
    announced = announce_policy()
    logger.info("overdue sweep done", extra={"overdue": len(overdue), "policy_announced": announced})
    return {"overdue": len(overdue)}


def announce_policy() -> bool:
    from policy.announcement import fingerprint, policy_changed

    active, store = policy(), announcements()
    last = store.last(active.product)
    detail = policy_changed(active, last, clock().now())
    if detail is None:
        return False
    publish(settings().event_bus_name, "PolicyChanged", detail)
    store.record(active.product, fingerprint(active), last["version"] if last else None)
    return True
