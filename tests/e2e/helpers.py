"""Direct views into the local cloud's AWS, for assertions the API deliberately does not offer."""

import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3


def aws_client(cloud: Any, service: str) -> Any:
    return boto3.client(service, endpoint_url=cloud.info()["moto_url"], region_name="us-east-1")


def partition(cloud: Any, pk: str) -> list[dict[str, Any]]:
    """The items of partition `pk` of the subjects table, read consistently."""
    return aws_client(cloud, "dynamodb").query(  # type: ignore[no-any-return]
        TableName=cloud.info()["resources"]["SubjectsTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )["Items"]


def born(years_ago: int) -> str:
    """The birth date (ISO) of someone who turned `years_ago` a month ago."""
    today = datetime.now(UTC).date()
    return (today.replace(year=today.year - years_ago) - timedelta(days=30)).isoformat()


def host_app(cloud: Any) -> str:
    """The token of a new host application (group privacy-app)."""
    return cloud.token(f"host-{uuid.uuid4().hex[:8]}", ["privacy-app"])  # type: ignore[no-any-return]


def pseudonym(cloud: Any, subject_id: str) -> str:
    arn = cloud.info()["resources"]["PseudonymKeySecret"]
    secret = aws_client(cloud, "secretsmanager").get_secret_value(SecretId=arn)["SecretString"].encode()
    return hmac.new(secret, subject_id.encode(), hashlib.sha256).hexdigest()


def events_of(cloud: Any, detail_type: str) -> list[dict[str, Any]]:
    cloud.local("POST", "drain")
    return cloud.local("GET", f"events?detail_type={detail_type}")["events"]  # type: ignore[no-any-return]


def mailed_token(cloud: Any, address: str) -> str:
    """The confirmation token of the last e-mail to `address`, taken from its link as the parent would open it."""
    messages = cloud.local("GET", f"mail?to={address}")["messages"]
    assert messages, f"no mail to {address}"
    found = re.search(r"[?&]parental_consent=([A-Za-z0-9._-]+)", messages[-1]["body"])
    assert found, "the mail holds no consent link"
    return found.group(1)


def link_child(cloud: Any, app: str, request_id: str, child: dict[str, Any], parent: dict[str, Any]) -> Any:
    """The host application's link of the child's login to the parent's under consent request `request_id`: the
    answer."""
    return cloud.call(
        "POST",
        f"/app/minors/consent-requests/{request_id}/link",
        app,
        json={"child_subject_id": child["sub"], "parent_subject_id": parent["sub"]},
    )


def approved_child(cloud: Any, birth_date: str, country: str = "DE", **attributes: str) -> dict[str, Any]:
    """A child's login, signed up as the policy admits a child: the host application asks a parent, the parent
    approves from the e-mailed link, and the child's sign-up names the approved request (the pre-sign-up gate)."""
    tag = uuid.uuid4().hex[:10]
    parent_email = f"parent-{tag}@example.org"
    cloud.seeded.add(parent_email)
    host = cloud.token(f"host-{tag}", ["privacy-app"])
    asked = cloud.call(
        "POST",
        "/minors/consent-requests",
        host,
        json={"parent_email": parent_email, "country": country, "child_reference": f"signup-{tag}"},
    )
    assert asked.status_code == 201, asked.text
    answer = {"token": mailed_token(cloud, parent_email), "decision": "approve"}
    assert cloud.call("POST", "/minors/consent-requests/confirm", json=answer).status_code == 200
    return cloud.login(  # type: ignore[no-any-return]
        f"kid-{tag}@example.org",
        birth_date=birth_date,
        country=country,
        client_metadata={"parental_request_id": asked.json()["request_id"]},
        **attributes,
    )
