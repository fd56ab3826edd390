"""The foundation's promises: routes served from the template, JWTs checked like API Gateway, TTL emulated."""

import base64
import json
import os
import time
import uuid

import boto3
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from tests.e2e.conftest import start_cloud, stop_cloud

pytestmark = pytest.mark.e2e


def _claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _resign(claims: dict, key) -> str:
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)


def _pool_key() -> RSAKey:
    # The private key moto's user pools sign with: a token re-signed with it is one the pool could have issued.
    return RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


def test_health_and_openapi_are_served(cloud):
    # When a client asks for health and the API description
    health = cloud.call("GET", "/health")
    document = cloud.call("GET", "/openapi.json")
    swagger = cloud.call("GET", "/swagger")
    # Then all three answer, and the document lists the template's routes
    assert health.json() == {"status": "ok"}
    assert "/whoami" in document.json()["paths"]
    assert swagger.status_code == 200
    assert "swagger" in swagger.text.lower()


def test_a_valid_token_reaches_the_function_with_its_claims(cloud):
    # Given a user logged in through the local Cognito, in the admin group
    login = cloud.login(f"admin-{uuid.uuid4().hex[:8]}", ["privacy-admin"])
    # When they call an authenticated route
    answer = cloud.call("GET", "/whoami", login["access_token"])
    # Then the function sees their sub and groups, as API Gateway passes them
    assert answer.status_code == 200
    assert answer.json()["subject_id"] == login["sub"]
    assert answer.json()["groups"] == ["privacy-admin"]


def test_id_tokens_are_accepted_too(cloud):
    login = cloud.login(f"user-{uuid.uuid4().hex[:8]}")
    assert cloud.call("GET", "/whoami", login["id_token"]).status_code == 200


@pytest.mark.parametrize("case", ["missing", "garbage", "expired", "foreign_key", "wrong_audience", "wrong_issuer"])
def test_bad_tokens_get_401_and_never_reach_the_function(cloud, case):
    # Given a token that API Gateway's JWT authorizer would refuse
    claims = _claims_of(cloud.token(f"user-{uuid.uuid4().hex[:8]}"))
    now = int(time.time())
    token = {
        "missing": None,
        "garbage": "not-a-jwt",
        "expired": _resign({**claims, "iat": now - 7200, "exp": now - 3600}, _pool_key()),
        "foreign_key": _resign(claims, RSAKey.import_key(rsa.generate_private_key(65537, 2048))),
        "wrong_audience": _resign({**claims, "client_id": "another-client"}, _pool_key()),
        "wrong_issuer": _resign({**claims, "iss": "https://issuer.example"}, _pool_key()),
    }[case]
    before = cloud.info()["invocations"]["PlatformApiFunction"]
    # When it is used on an authenticated route
    answer = cloud.call("GET", "/whoami", token)
    # Then the answer is 401 and the function was not invoked
    assert answer.status_code == 401
    assert cloud.info()["invocations"]["PlatformApiFunction"] == before


def test_resigned_token_with_pool_key_is_accepted(cloud):
    # Guards the test above: re-signing with the pool's own key keeps a valid token valid
    claims = _claims_of(cloud.token(f"user-{uuid.uuid4().hex[:8]}"))
    assert cloud.call("GET", "/whoami", _resign(claims, _pool_key())).status_code == 200


def _subjects_table(cloud):
    info = cloud.info()
    client = boto3.client("dynamodb", endpoint_url=info["moto_url"], region_name="us-east-1")
    return client, info["resources"]["SubjectsTable"]


def _partition(client, table, pk):
    return client.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
    )["Items"]


def test_ttl_emulation_deletes_expired_items_and_fires_the_purge_through_the_stream(cloud):
    # Given a profile whose expires_at has passed, with other items of the subject beside it
    client, table = _subjects_table(cloud)
    pk = f"SUBJECT#{uuid.uuid4()}"
    pending = {"state": {"S": "pending_deletion"}, "expires_at": {"N": str(int(time.time()) - 60)}}
    client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "PROFILE"}, **pending})
    client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "CONSENTS"}})
    cloud.local("POST", "drain")
    # When a day of AWS passes
    report = cloud.local("POST", "tick")
    # Then the profile was deleted by TTL, the purge worker got the REMOVE record (its filter only lets TTL
    # deletions of profiles through) and purged the rest of the partition, leaving only the tombstone
    assert report["ttl_deleted"]["SubjectsTable"] >= 1
    assert any(d["function"] == "PurgeWorkerFunction" and d["outcome"] == "ok" for d in report["deliveries"]), report
    assert [item["sk"]["S"] for item in _partition(client, table, pk)] == ["TOMBSTONE"]


def test_a_ttl_removal_the_stream_gives_up_on_reaches_the_purge_queue_and_then_its_dead_letter_queue(cloud):
    # Given an expired profile the purge worker can never purge (its purge date is not a date)
    client, table = _subjects_table(cloud)
    pk = f"SUBJECT#{uuid.uuid4()}"
    broken = {"state": {"S": "pending_deletion"}, "purge_at": {"S": "not-a-date"}}
    expired = {"expires_at": {"N": str(int(time.time()) - 60)}}
    client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "PROFILE"}, **broken, **expired})
    cloud.local("POST", "drain")
    # When a day of AWS passes: TTL removes it, the stream mapping retries and gives up, the purge queue retries
    report = cloud.local("POST", "tick")
    # Then the batch was not dropped: the on-failure destination got where it was in the stream, the worker read it
    # back on every receive, and it rests in the purge dead-letter queue for an operator
    info = cloud.info()
    sqs = boto3.client("sqs", endpoint_url=info["moto_url"], region_name="us-east-1")
    dead = sqs.receive_message(QueueUrl=info["resources"]["PurgeDeadLetterQueue"], MaxNumberOfMessages=10)
    given_up = [json.loads(m["Body"]) for m in dead.get("Messages", []) if "DDBStreamBatchInfo" in m["Body"]]
    purge_runs = [d for d in report["deliveries"] if d["function"] == "PurgeWorkerFunction"]
    assert [d["source"] for d in purge_runs if d["outcome"] != "ok"].count("sqs") == 5, purge_runs
    assert [body["requestContext"]["condition"] for body in given_up] == ["RetryAttemptsExhausted"]
    assert given_up[0]["DDBStreamBatchInfo"]["streamArn"].startswith(
        f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/"
    )


def test_items_expire_by_the_local_clock(cloud):
    # Given an item that expires in two days
    client, table = _subjects_table(cloud)
    pk = f"SUBJECT#{uuid.uuid4()}"
    expires = int(time.time()) + 2 * 86400
    client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "NOTE"}, "expires_at": {"N": str(expires)}})
    # When a day passes it is still there; after three more days it is gone
    cloud.local("POST", "tick")
    assert len(_partition(client, table, pk)) == 1
    cloud.local("POST", "clock", {"advance_days": 3})
    try:
        cloud.local("POST", "tick")
        assert _partition(client, table, pk) == []
    finally:
        cloud.local("POST", "clock", {"reset": True})


def test_unknown_schedule_and_routes_answer_404(cloud):
    assert cloud.http.post(f"{cloud.url}/_local/run/NoSuchSchedule").status_code == 404
    assert cloud.call("GET", "/no/such/route").status_code == 404


def test_login_rejects_unknown_groups(cloud):
    answer = cloud.http.post(f"{cloud.url}/_local/login", json={"username": "x", "groups": ["root"]})
    assert answer.status_code == 400


def test_sigterm_stops_the_cloud_and_its_functions(tmp_path):
    # Given a second local cloud with a warm function process
    second = start_cloud(tmp_path / "second.log")
    second.call("GET", "/health")
    pids = second.info()["worker_pids"]
    assert pids
    # When it receives SIGTERM
    stop_cloud(second)
    # Then it exited cleanly and no function process is left behind
    assert second.process.returncode == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
