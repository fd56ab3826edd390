"""Outbox items: an event written in the same transaction as the change it reports (see event_publisher)."""

import json
import uuid
from typing import Any

from adapters.dynamo_json import to_item

OUTBOX_TTL_SECONDS = 86_400  # the stream delivers within seconds; a day is plenty, then TTL tidies up


def outbox_put(table: str, detail_type: str, detail: dict[str, Any], now_epoch: int) -> dict[str, Any]:
    # A partition of its own: the subject's partition holds only the subject's data (a restore is byte-exact).
    item = {
        "pk": f"OUTBOX#{uuid.uuid4().hex}",
        "sk": "EVENT",
        "outbox": json.dumps({"detail_type": detail_type, "detail": detail}, default=str),
        "expires_at": now_epoch + OUTBOX_TTL_SECONDS,
    }
    return {"Put": {"TableName": table, "Item": to_item(item)}}
