"""Domain events onto the EventBridge bus. Details carry ids and pseudonyms, never names or e-mail addresses."""

import json
from typing import Any

from adapters.aws import events

SOURCE = "privacy.rights"


class PublishFailed(Exception):
    pass


def publish(bus: str, detail_type: str, detail: dict[str, Any]) -> None:
    entry = {"EventBusName": bus, "Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail)}
    answer = events().put_events(Entries=[entry])  # type: ignore[list-item]
    if answer.get("FailedEntryCount"):
        code = answer["Entries"][0].get("ErrorCode", "unknown")
        raise PublishFailed(f"EventBridge refused {detail_type}: {code}")
