"""Direct views into the local cloud's AWS, for assertions the API deliberately does not offer."""

import hashlib
import hmac
import re
from typing import Any

import boto3


def aws_client(cloud: Any, service: str) -> Any:
    return boto3.client(service, endpoint_url=cloud.info()["moto_url"], region_name="us-east-1")


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
