"""What the emulator adds to moto's DynamoDB, in this process: requests applied one at a time (as DynamoDB applies
each atomically), and the identity DynamoDB's TTL puts on the stream records of the deletions it makes."""

import copy
import json
import threading
from typing import Any

from localcloud.template import ACCOUNT_ID, REGION

TTL_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}  # as GetRecords names it
_DYNAMODB_LOCK = threading.RLock()


def isolate_dynamodb_requests() -> None:
    """DynamoDB applies each request atomically (conditions and transactions included); moto's threaded server
    does not, so two racing conditional writes could both pass. One request at a time restores AWS's guarantee."""
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "_isolated", False):
        return
    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self)

    call_action._isolated = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def sign_as_ttl(table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """Turn moto's REMOVE record of an item the emulator just deleted for TTL into the one DynamoDB writes: by the
    service principal, so stream filters, handlers and a re-read of the stream all see a TTL deletion. Returns the
    record as GetRecords gives it (None: the table has no stream, or no such record)."""
    from moto.dynamodb.models import dynamodb_backends

    with _DYNAMODB_LOCK:  # a cancelled transaction swaps the table for its copy: not while we change it
        shard = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name).stream_shard
        wanted = json.dumps(key, sort_keys=True)
        for item in reversed(shard.items if shard is not None else []):
            record: dict[str, Any] = item.record
            if record["eventName"] == "REMOVE" and json.dumps(record["dynamodb"]["Keys"], sort_keys=True) == wanted:
                record["userIdentity"] = dict(TTL_IDENTITY)
                return copy.deepcopy(record)
    return None
