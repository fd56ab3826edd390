"""Plain Python values <-> DynamoDB attribute values (boto3's own serializer, without Decimal surprises)."""

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _for_dynamodb(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _for_dynamodb(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_for_dynamodb(item) for item in value]
    return value


def _from_dynamodb(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamodb(item) for key, item in value.items()}
    if isinstance(value, list | set):
        return [_from_dynamodb(item) for item in value]
    return value


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(_for_dynamodb(value)) for key, value in values.items() if value is not None}


def _from_attribute(value: dict[str, Any]) -> Any:
    # Strings are most attributes (and every one of a host record): taken as they are, without the deserializer's
    # dispatch, which is the slowest step of an export's per-item work (docs/performance.md). Same result.
    if len(value) == 1 and "S" in value:
        return value["S"]
    return _from_dynamodb(_deserializer.deserialize(value))  # type: ignore[arg-type]


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _from_attribute(value) for key, value in item.items()}
