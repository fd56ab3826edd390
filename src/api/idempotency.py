"""Idempotency-Key support (powertools idempotency): a retried POST with the same key replays the first answer.

Imported only when a request carries the header, so the common path pays nothing for it.
"""

import math
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from pydantic import BaseModel

from api.errors import KeyInProgress
from wiring.shared import idempotency_store

KEY_LIFETIME_SECONDS = 24 * 3600


def once(
    key: dict[str, str], output: type[BaseModel], action: Callable[[], BaseModel], *, name: str, context: Any
) -> Any:
    """Run `action` once per `key` (which must name the caller, so keys of different subjects never collide)."""
    config = IdempotencyConfig(expires_after_seconds=KEY_LIFETIME_SECONDS)
    config.register_lambda_context(context)  # an in-progress record then expires with the invocation

    @idempotent_function(
        data_keyword_argument="key",
        persistence_store=idempotency_store(),
        config=config,
        output_serializer=PydanticSerializer(output),
        key_prefix=name,
    )
    def run(key: dict[str, str]) -> BaseModel:
        return action()

    try:
        return run(key=key)
    except IdempotencyAlreadyInProgressError:
        # The first request's claim on the key expires when its invocation ends; it began earlier in the same
        # function (same timeout), so by the end of this one at the latest.
        raise KeyInProgress(retry_after=max(1, math.ceil(context.get_remaining_time_in_millis() / 1000))) from None
