"""Cognito pre-sign-up trigger: the age gate (domain.minors.sign_up) before an account is created.

A refusal raises: Cognito then creates no user and answers the sign-up with UserLambdaValidationException carrying
the message, which states the rule and nothing the person sent. Logs name the verdict or the refusal's code only.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

import adapters.aws  # noqa: F401 - boto3 at init, as every function: a child's sign-up reads its approval at once
from domain.minors.sign_up import SignUpRefused, admit_sign_up
from observability import logger
from wiring.minors import parental_store, sign_up_rules
from wiring.shared import clock


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event.get("request") or {}
    try:
        verdict = admit_sign_up(
            request.get("userAttributes") or {},
            request.get("clientMetadata") or {},
            clock().now(),
            rules=sign_up_rules(),
            approved=lambda request_id: parental_store().approved(request_id),
        )
    except SignUpRefused as refusal:
        logger.info("sign-up refused", extra={"code": refusal.code, "trigger": event.get("triggerSource")})
        raise
    logger.info("sign-up admitted", extra={"verdict": verdict, "trigger": event.get("triggerSource")})
    return event  # Cognito expects the event back (its response left as it is: no auto-confirmation)
