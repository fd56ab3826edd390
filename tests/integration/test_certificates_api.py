"""The certificate route, the public key route and the signed audit chain head, under moto with real KMS keys."""

import base64
import hashlib
import json
from datetime import datetime

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

import wiring.erasure
import wiring.shared
from handlers import admin_api, platform_api, purge_worker
from tests.support import load_event, routed

SUBJECT = "5f0c7a3e-0d7b-4f0e-9d51-3c1b2a4e6f70"


def _purged_certificate_id(aws, ddb, context) -> str:
    table = aws.physical_ids["SubjectsTable"]
    for sk in ("CONSENTEVT#0001", "CONSENTEVT#0002"):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"SUBJECT#{SUBJECT}"}, "sk": {"S": sk}})
    assert purge_worker.lambda_handler(load_event("purge_worker/ttl_profile_removed.json"), context) == {
        "batchItemFailures": []
    }
    items = ddb.scan(TableName=aws.physical_ids["AuditTable"])["Items"]
    (certificate,) = [i for i in items if i["pk"]["S"].startswith("CERT#")]
    return str(json.loads(certificate["certificate"]["S"])["certificate_id"])


def test_a_certificate_id_cannot_be_linked_to_the_subject_by_hashing_candidate_ids(aws, ddb, context):
    # Given a subject purged by the worker
    certificate_id = _purged_certificate_id(aws, ddb, context)
    certificate = json.loads(_get_certificate(certificate_id, context)["body"])["certificate"]
    # When someone holding the certificate hashes a candidate subject id with its purge date
    purge_at = datetime.fromisoformat(certificate["scheduled_purge_at"].replace("Z", "+00:00"))
    guess = hashlib.sha256(f"{SUBJECT}|{purge_at.isoformat()}".encode()).hexdigest()[:32]
    # Then the id does not confirm the guess: it derives from the pseudonym the certificate names anyway
    assert guess != certificate_id
    assert (
        certificate_id == hashlib.sha256(f"{certificate['subject']}|{purge_at.isoformat()}".encode()).hexdigest()[:32]
    )


def _get_certificate(certificate_id: str, context, groups: str = "[privacy-admin]") -> dict:
    event = load_event("admin_api/get_certificate.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/admin/certificates/{certificate_id}"
    event["pathParameters"] = {"certificate_id": certificate_id}
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = groups
    return admin_api.lambda_handler(event, context)


def _verify(pem: str, signature: str, message: str) -> None:
    load_pem_public_key(pem.encode()).verify(  # type: ignore[call-arg]
        base64.b64decode(signature), message.encode(), ec.ECDSA(hashes.SHA256())
    )


def test_a_certificate_comes_with_the_exact_message_signed_and_verifies_with_the_published_key(aws, ddb, context):
    # Given a subject purged by the worker (a signed certificate in the audit table)
    certificate_id = _purged_certificate_id(aws, ddb, context)
    # When an operator reads it, and anyone reads the public key
    answer = _get_certificate(certificate_id, context)
    key = platform_api.lambda_handler(load_event("platform_api/get_signing_key.json"), context)
    # Then the signature verifies over signed_message, which is the certificate as canonical JSON
    assert answer["statusCode"] == 200, answer["body"]
    assert key["statusCode"] == 200, key["body"]
    body, published = json.loads(answer["body"]), json.loads(key["body"])
    assert published["algorithm"] == body["signing_algorithm"] == "ECDSA_SHA_256"
    # (AWS names the key by ARN in both answers; moto's GetPublicKey gives the bare key id)
    assert published["key_id"].rsplit("/", 1)[-1] == body["signing_key_id"].rsplit("/", 1)[-1]
    assert json.loads(body["signed_message"]) == body["certificate"]
    assert body["certificate"]["certificate_id"] == certificate_id
    _verify(published["public_key_pem"], body["signature"], body["signed_message"])
    # And a changed count no longer verifies
    tampered = {**body["certificate"], "deleted_counts": {"consentevt": 1}}
    with pytest.raises(InvalidSignature):
        _verify(
            published["public_key_pem"],
            body["signature"],
            json.dumps(tampered, sort_keys=True, separators=(",", ":")),
        )


def test_an_unknown_certificate_is_404_and_a_non_admin_is_403(aws, context):
    unknown = admin_api.lambda_handler(load_event("admin_api/get_certificate.json"), context)
    assert unknown["statusCode"] == 404
    assert json.loads(unknown["body"])["error"] == "not_found"
    assert _get_certificate("0" * 32, context, groups="[privacy-app]")["statusCode"] == 403


def test_the_audit_chain_head_is_signed_when_an_operator_reads_it(aws, ddb, context):
    # Given a purged subject, whose chain ends with subject.purged
    _purged_certificate_id(aws, ddb, context)
    pseudonym = wiring.shared.store().audit.pseudonym(SUBJECT)
    event = load_event("admin_api/get_certificate.json")
    path = f"/admin/audit/{pseudonym}"
    routed(event, "GET /admin/audit/{subject_pseudonym}", path)
    event["pathParameters"] = {"subject_pseudonym": pseudonym}
    # When an operator reads the chain
    answer = admin_api.lambda_handler(event, context)
    # Then the verification comes with a signed statement of the head it verified
    assert answer["statusCode"] == 200, answer["body"]
    chain = json.loads(answer["body"])
    head = chain["head_signature"]
    statement = json.loads(head["signed_message"])
    assert statement["head_hash"] == chain["verification"]["head_hash"] == chain["records"][-1]["hash"]
    assert statement["valid"] is True
    assert statement["length"] == len(chain["records"])
    pem = json.loads(platform_api.lambda_handler(load_event("platform_api/get_signing_key.json"), context)["body"])
    _verify(pem["public_key_pem"], head["signature"], head["signed_message"])


def _documented_verifier():
    """The `python verify-certificate` block of docs/verify-certificate.md, as a regulator runs it."""
    import re
    from pathlib import Path

    document = Path(__file__).resolve().parents[2] / "docs" / "verify-certificate.md"
    (source,) = re.findall(r"```python verify-certificate\n(.*?)```", document.read_text(encoding="utf-8"), re.S)
    namespace: dict = {"__name__": "verify_certificate"}
    exec(compile(source, str(document), "exec"), namespace)  # noqa: S102 - our own documentation's code
    return namespace["verify_certificate"]


def test_a_certificate_over_4_kb_is_signed_as_a_digest_and_verifies_offline(aws, ddb, context):
    # Given a subject whose partition holds records of 300 categories: its certificate counts each one, so its
    # canonical JSON is larger than the 4,096 bytes KMS signs as a RAW message
    table = aws.physical_ids["SubjectsTable"]
    for number in range(300):
        item = {"pk": {"S": f"SUBJECT#{SUBJECT}"}, "sk": {"S": f"RECORD#category_{number:04d}#r1"}}
        ddb.put_item(TableName=table, Item=item)
    sent: list[dict] = []
    wiring.erasure.purger()  # the signer's client exists from here; watch what it asks KMS to sign
    from adapters.aws import client

    client("kms").meta.events.register("provide-client-params.kms.Sign", lambda params, **_: sent.append(params))
    # When the purge worker purges the subject
    certificate_id = _purged_certificate_id(aws, ddb, context)
    # Then the certificate is signed: KMS was given the SHA-256 digest of the canonical JSON, not the JSON itself
    body = json.loads(_get_certificate(certificate_id, context)["body"])
    assert len(body["signed_message"].encode()) > 4096
    assert [(p["MessageType"], p["Message"]) for p in sent] == [
        ("DIGEST", hashlib.sha256(body["signed_message"].encode()).digest())
    ]
    # And the documented offline verification accepts it unchanged
    key = json.loads(platform_api.lambda_handler(load_event("platform_api/get_signing_key.json"), context)["body"])
    assert _documented_verifier()(key, body)["certificate_id"] == certificate_id
    assert sum(name.startswith("category_") for name in body["certificate"]["deleted_counts"]) == 300
