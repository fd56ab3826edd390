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


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _from_dynamodb(_deserializer.deserialize(value)) for key, value in item.items()}
