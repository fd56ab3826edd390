"""The export worker under moto: a request's archive from the subject's real items to the encrypted ZIP in S3."""

import csv
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

import wiring.consent
import wiring.requests
import wiring.shared
from adapters import export_archive
from adapters.dynamo_json import to_item
from adapters.publisher import publish
from domain.audit.model import AuditEntry
from domain.consent.model import ConsentChangeRequest
from domain.consent.ports import Owner
from domain.consent.service import RequestContext
from domain.export import DATA_SCHEMA_URL, CategoryOrderError, DataJsonWriter, category_of
from domain.profile import Profile
from domain.requests.model import DataRequest
from handlers import export_worker
from localcloud.template import Stack
from tests.support import load_event

SAMPLE_EVENT = "export_worker/request_received.json"
INVOICES = 3


@pytest.fixture
def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1")


# ---------------------------------------------------------------- helpers


def _now() -> datetime:
    return datetime.now(UTC)


def _put(ddb: Any, aws: Stack, values: dict[str, Any]) -> None:
    ddb.put_item(TableName=aws.physical_ids["SubjectsTable"], Item=to_item(values))


def seed_subject(ddb: Any, aws: Stack, decisions: dict[str, bool] | None = None) -> str:
    """A subject with a profile, one consent change, three invoices: through the real code paths where they exist."""
    subject_id = str(uuid.uuid4())
    now = _now()
    profile = Profile(
        subject_id=subject_id,
        email="ada@example.org",
        given_name="Ada",
        family_name="Lovelace",
        country="GB",
        preferences={"language": "en", "newsletter": False},
        created_at=now,
        updated_at=now,
    )
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    wiring.consent.consents().change(
        Owner("subject", subject_id),
        ConsentChangeRequest(decisions=decisions or {"analytics": True, "newsletters": False}, source="settings"),
        RequestContext(),
        actor="subject",
    )
    for number in range(1, INVOICES + 1):
        document = {"number": f"INV-{number:04d}", "total": {"amount": 100 * number, "currency": "EUR"}}
        _put(
            ddb,
            aws,
            {
                "pk": f"SUBJECT#{subject_id}",
                "sk": f"RECORD#invoices#INV-{number:04d}",
                "category": "invoices",
                "document": json.dumps(document),
                "updated_at": now.isoformat(),
            },
        )
    return subject_id


def submit(subject_id: str, format_: str = "json", type_: str = "access") -> DataRequest:
    return wiring.requests.requests().submit(subject_id, type_, format_)  # type: ignore[arg-type]


def message_for(request: DataRequest, *, receive_count: int = 1, type_: str | None = None) -> dict[str, Any]:
    event = load_event(SAMPLE_EVENT)
    record = event["Records"][0]
    envelope = json.loads(record["body"])
    envelope["detail"].update(
        request_id=request.request_id, subject_id=request.subject_id, type=type_ or request.type, format=request.format
    )
    record["body"] = json.dumps(envelope)
    record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


def stored_request(request: DataRequest) -> DataRequest:
    found = wiring.requests.request_store().get(request.subject_id, request.request_id)
    assert found is not None
    return found


def archive_key(request: DataRequest) -> str:
    return f"exports/{request.subject_id}/{request.request_id}.zip"


def read_archive(s3: Any, aws: Stack, request: DataRequest) -> tuple[bytes, zipfile.ZipFile]:
    body = s3.get_object(Bucket=aws.physical_ids["ExportsBucket"], Key=archive_key(request))["Body"].read()
    return body, zipfile.ZipFile(io.BytesIO(body))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys: {keys}"
    return dict(pairs)


def data_of(archive: zipfile.ZipFile) -> dict[str, Any]:
    return json.loads(archive.read("data.json"), object_pairs_hook=_no_duplicate_keys)  # type: ignore[no-any-return]


def all_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for items in data["categories"].values() for item in items]


def exported(aws: Stack, s3: Any, context: Any, request: DataRequest) -> zipfile.ZipFile:
    result = export_worker.lambda_handler(message_for(request), context)
    assert result == {"batchItemFailures": []}
    return read_archive(s3, aws, request)[1]


# ---------------------------------------------------------------- the archive


def test_an_access_request_becomes_one_kms_encrypted_zip_with_everything_grouped_by_category(aws, ddb, s3, context):
    # Given a subject with a profile, a consent change, three invoices and an access request
    subject_id = seed_subject(ddb, aws)
    request = submit(subject_id)
    # When the worker receives the request's message
    result = export_worker.lambda_handler(message_for(request), context)
    # Then one archive exists at the request's key, encrypted with the data key
    assert result == {"batchItemFailures": []}
    head = s3.head_object(Bucket=aws.physical_ids["ExportsBucket"], Key=archive_key(request))
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] in (aws.attributes["DataKey"]["Arn"], aws.attributes["DataKey"]["KeyId"])
    body, archive = read_archive(s3, aws, request)
    assert archive.namelist() == ["data.json", "README.txt", "policy.json", "manifest.json"]
    # And data.json holds the profile, the consents with their history and receipt, the request and the invoices
    data = data_of(archive)
    assert data["$schema"] == DATA_SCHEMA_URL
    assert data["subject_id"] == subject_id
    categories = data["categories"]
    assert list(categories) == sorted(categories, key=list(categories).index)  # each category once, in key order
    assert set(categories) == {
        "consent_history",
        "consents",
        "profile",
        "consent_receipts",
        "records.invoices",
        "requests",
    }
    (profile,) = categories["profile"]
    assert (profile["email"], profile["given_name"], profile["family_name"]) == ("ada@example.org", "Ada", "Lovelace")
    assert profile["state"] == "active"
    assert profile["preferences"] == {"language": "en", "newsletter": False}
    history_purposes = {item["event"]["purpose"] for item in categories["consent_history"]}
    assert {"analytics", "newsletters"} <= history_purposes
    assert isinstance(categories["consents"][0]["state"], dict)
    assert isinstance(categories["consent_receipts"][0]["receipt"], dict)
    assert [item["request"]["request_id"] for item in categories["requests"]] == [request.request_id]
    invoices = categories["records.invoices"]
    assert [item["document"] for item in invoices] == [
        {"number": f"INV-{n:04d}", "total": {"amount": 100 * n, "currency": "EUR"}} for n in range(1, INVOICES + 1)
    ]
    assert [item["record_id"] for item in invoices] == [f"INV-{n:04d}" for n in range(1, INVOICES + 1)]
    # And the manifest's checksums are those of the members, its counts those of data.json
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["schema_version"] == "1.0"
    assert (manifest["request_id"], manifest["format"]) == (request.request_id, "json")
    assert set(manifest["files"]) == {"data.json", "README.txt", "policy.json"}
    for name, digest in manifest["files"].items():
        member = archive.read(name)
        assert digest == {"sha256": hashlib.sha256(member).hexdigest(), "bytes": len(member)}
    assert manifest["counts"] == {category: len(items) for category, items in categories.items()}
    assert "Article 15" in archive.read("README.txt").decode()
    # And the request is completed with the archive's key, checksum and counts
    done = stored_request(request)
    assert done.status == "completed"
    assert done.export_key == archive_key(request)
    assert done.export_sha256 == hashlib.sha256(body).hexdigest()
    assert done.export_counts == manifest["counts"]
    assert done.export_counts["records.invoices"] == INVOICES


# ---------------------------------------------------------------- the policy (GDPR Art. 15(1))


@pytest.mark.parametrize("policy_name", ["imind", "mindomo"])
def test_the_archive_tells_the_active_policys_purposes_recipients_retention_and_authority(
    aws, ddb, s3, context, monkeypatch, policy_name
):
    import wiring
    from policy.loader import load_policy

    # Given a stack deployed with a product's policy, and a subject's access request
    monkeypatch.setenv("POLICY", policy_name)
    wiring.reset()  # a container of that stack: the settings and the policy read again
    expected = load_policy(policy_name)
    request = submit(seed_subject(ddb, aws, {"analytics": True}))  # a purpose every policy has
    # When it is exported
    archive = exported(aws, s3, context, request)
    # Then policy.json is that policy's public view, plus its recipients with country and safeguard
    document = json.loads(archive.read("policy.json"))
    assert (document["product"], document["version"]) == (policy_name, expected.version)
    assert document["language"] == expected.default_language
    assert [r["name"] for r in document["recipients"]] == [r.name for r in expected.recipients]
    assert document["recipients"][0] == {
        "name": expected.recipients[0].name,
        "role": expected.recipients[0].role,
        "purpose": expected.recipients[0].purpose,
        "country": expected.recipients[0].country,
        "safeguard": expected.recipients[0].safeguard,
    }
    assert document["supervisory_authority"]["url"] == expected.supervisory_authority.url
    assert [p["legal_basis"] for p in document["purposes"]] == [p.legal_basis for p in expected.purposes]
    assert {"sources", "seeds"}.isdisjoint(document)
    # And README.txt names the supervisory authority, a category's retention, the recipients and the source
    readme = archive.read("README.txt").decode()
    assert expected.supervisory_authority.name in readme
    assert expected.supervisory_authority.url in readme
    invoices = next(c for c in expected.record_categories if c.id == "invoices")
    years = invoices.retention.period.removeprefix("P").removesuffix("Y")  # type: ignore[union-attr]
    assert f"- invoices ({invoices.description}): kept {years} years from the record's date" in readme
    assert all(recipient.name in readme for recipient in expected.recipients)
    assert "Where the data comes from" in readme
    assert "lodge a complaint" in readme
    # And nothing personal: neither file names the subject
    for member in ("policy.json", "README.txt"):
        text = archive.read(member).decode()
        assert request.subject_id not in text
        assert "ada@example.org" not in text
    # And the manifest vouches for policy.json like any other member
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["files"]["policy.json"]["sha256"] == hashlib.sha256(archive.read("policy.json")).hexdigest()


@pytest.mark.parametrize("policy_name", ["imind", "mindomo"])
def test_the_archive_says_where_the_data_came_from_as_the_active_policy_states_it(
    aws, ddb, s3, context, monkeypatch, policy_name
):
    import wiring
    from policy.loader import load_policy

    # Given a stack deployed with a product's policy (GDPR Art. 15(1)(g): the source of the data), and an access request
    monkeypatch.setenv("POLICY", policy_name)
    wiring.reset()
    expected = load_policy(policy_name)
    request = submit(seed_subject(ddb, aws, {"analytics": True}))
    # When it is exported
    archive = exported(aws, s3, context, request)
    # Then README.txt names each source the policy states, under "Where the data comes from"
    readme = archive.read("README.txt").decode()
    section = readme.split("Where the data comes from:", 1)[1].split("Your rights", 1)[0]
    assert expected.data_sources
    for source in expected.data_sources:
        assert source.description in section
    # And policy.json lists them, without the policy's own sources (seed quotes)
    document = json.loads(archive.read("policy.json"))
    assert document["data_sources"] == [
        {"origin": source.origin, "description": source.description} for source in expected.data_sources
    ]


def test_bookkeeping_items_and_attributes_are_not_exported(aws, ddb, s3, context):
    # Given a subject whose partition holds an open-request marker and items with outbox attributes and versions
    subject_id = seed_subject(ddb, aws)
    _put(ddb, aws, {"pk": f"SUBJECT#{subject_id}", "sk": "OUTBOX#pending", "outbox": "{}", "expires_at": 2**31})
    request = submit(subject_id)
    # When the request is exported
    data = data_of(exported(aws, s3, context, request))
    # Then no internal attribute and no bookkeeping item reaches the subject
    items = all_items(data)
    internal = {"pk", "sk", "outbox", "version", "request_pk", "request_sk", "active_pk", "active_sk"}
    assert all(internal.isdisjoint(item) for item in items)
    assert not {"openreq", "outbox"} & set(data["categories"])


def test_an_expired_item_is_not_exported(aws, ddb, s3, context):
    # Given an invoice whose expiry has passed but which TTL has not deleted yet
    subject_id = seed_subject(ddb, aws)
    expired = int(_now().timestamp()) - 60
    _put(
        ddb,
        aws,
        {"pk": f"SUBJECT#{subject_id}", "sk": "RECORD#invoices#INV-OLD", "document": "{}", "expires_at": expired},
    )
    request = submit(subject_id)
    # When the request is exported
    data = data_of(exported(aws, s3, context, request))
    # Then only the live invoices are in it
    assert [item["record_id"] for item in data["categories"]["records.invoices"]] == [
        f"INV-{n:04d}" for n in range(1, INVOICES + 1)
    ]


def test_an_unknown_item_type_is_exported_under_its_key_prefix(aws, ddb, s3, context):
    # Given an item of a type this worker has never heard of
    subject_id = seed_subject(ddb, aws)
    _put(ddb, aws, {"pk": f"SUBJECT#{subject_id}", "sk": "LOYALTY#2026", "points": 120})
    request = submit(subject_id)
    # When the request is exported
    data = data_of(exported(aws, s3, context, request))
    # Then it is there, named after its sort-key prefix
    assert data["categories"]["loyalty"] == [{"points": 120}]


def test_a_csv_request_adds_one_csv_per_category(aws, ddb, s3, context):
    # Given a portability request in CSV
    subject_id = seed_subject(ddb, aws)
    request = submit(subject_id, "csv", "portability")
    # When it is exported
    archive = exported(aws, s3, context, request)
    # Then every category of data.json also has its CSV, with one row per item under the union of their columns
    categories = data_of(archive)["categories"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "csv"
    assert set(manifest["files"]) == {"data.json", "README.txt", "policy.json"} | {
        f"{category}.csv" for category in categories
    }
    for category, items in categories.items():
        member = archive.read(f"{category}.csv")
        assert manifest["files"][f"{category}.csv"]["sha256"] == hashlib.sha256(member).hexdigest()
        header, *rows = list(csv.reader(io.StringIO(member.decode("utf-8"), newline="")))
        assert set(header) == {key for item in items for key in item}
        assert len(rows) == len(items) == manifest["counts"][category]
    # And nested values are JSON in their cell
    header, *rows = list(csv.reader(io.StringIO(archive.read("records.invoices.csv").decode(), newline="")))
    documents = [json.loads(row[header.index("document")]) for row in rows]
    assert documents[0] == {"number": "INV-0001", "total": {"amount": 100, "currency": "EUR"}}
    assert stored_request(request).status == "completed"


# ---------------------------------------------------------------- delivery


def test_a_redelivered_message_makes_no_second_export(aws, ddb, s3, context):
    # Given a request whose export is done
    request = submit(seed_subject(ddb, aws))
    export_worker.lambda_handler(message_for(request), context)
    bucket = aws.physical_ids["ExportsBucket"]
    first = s3.head_object(Bucket=bucket, Key=archive_key(request))
    done = stored_request(request)
    # When the same message arrives again
    result = export_worker.lambda_handler(message_for(request, receive_count=2), context)
    # Then it succeeds without writing anything: one object, untouched, and the request as it was
    assert result == {"batchItemFailures": []}
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"exports/{request.subject_id}/")["Contents"]
    assert [item["Key"] for item in listed] == [archive_key(request)]
    again = s3.head_object(Bucket=bucket, Key=archive_key(request))
    assert (again["ETag"], again["LastModified"]) == (first["ETag"], first["LastModified"])
    assert stored_request(request) == done


def test_a_message_for_an_unknown_request_is_acknowledged(aws, ddb, s3, context):
    # Given a message about a request that does not exist (e.g. its record already expired)
    request = replace(submit(seed_subject(ddb, aws)), request_id=uuid.uuid4().hex)
    # When the worker receives it
    result = export_worker.lambda_handler(message_for(request), context)
    # Then it is not retried and nothing is written
    assert result == {"batchItemFailures": []}
    assert "Contents" not in s3.list_objects_v2(Bucket=aws.physical_ids["ExportsBucket"])


def test_an_erasure_request_is_not_exported(aws, ddb, s3, context):
    # Given an erasure request's event (the rule does not route them here, but a message may still arrive)
    request = submit(seed_subject(ddb, aws))
    # When the worker receives it
    result = export_worker.lambda_handler(message_for(request, type_="erasure"), context)
    # Then it is acknowledged and nothing happens
    assert result == {"batchItemFailures": []}
    assert "Contents" not in s3.list_objects_v2(Bucket=aws.physical_ids["ExportsBucket"])
    assert stored_request(request).status == "received"


def _failing_archive(*args: Any, **kwargs: Any) -> dict[str, int]:
    raise RuntimeError("subject Ada Lovelace <ada@example.org> broke it")


def test_a_failed_attempt_is_reported_for_retry_and_leaves_no_archive(aws, ddb, s3, context, monkeypatch):
    # Given an export that fails half-way
    request = submit(seed_subject(ddb, aws))
    monkeypatch.setattr(export_archive, "write_archive", _failing_archive)
    event = message_for(request, receive_count=1)
    # When the worker receives the message for the first time
    result = export_worker.lambda_handler(event, context)
    # Then that message is reported failed (SQS retries it), no object is published, the request stays open
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert "Contents" not in s3.list_objects_v2(Bucket=aws.physical_ids["ExportsBucket"])
    assert stored_request(request).status == "in_progress"


def test_a_failure_on_the_last_receive_marks_the_request_failed_without_personal_data(
    aws, ddb, s3, context, monkeypatch
):
    # Given an export that keeps failing
    request = submit(seed_subject(ddb, aws))
    monkeypatch.setattr(export_archive, "write_archive", _failing_archive)
    event = message_for(request, receive_count=export_worker.MAX_RECEIVES)
    # When the worker receives the message for the last time before the dead-letter queue
    result = export_worker.lambda_handler(event, context)
    # Then the message still fails (it goes to the DLQ) and the request is failed, with the error's class only
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    failed = stored_request(request)
    assert failed.status == "failed"
    audit = ddb.scan(TableName=aws.physical_ids["AuditTable"])["Items"]
    failures = [item for item in audit if "request.failed" in json.dumps(item)]
    assert failures
    assert "RuntimeError" in json.dumps(failures)
    assert "Lovelace" not in json.dumps(failures)
    assert "ada@example.org" not in json.dumps(failures)


def test_an_archive_whose_request_could_not_record_it_is_deleted_when_the_request_is_marked_failed(
    aws, ddb, s3, context, monkeypatch
):
    # Given an export whose archive uploads but whose request cannot be updated to point at it
    request = submit(seed_subject(ddb, aws))

    def refused(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the request could not be updated")

    monkeypatch.setattr(wiring.requests.requests(), "export_ready", refused)
    bucket = aws.physical_ids["ExportsBucket"]
    # When that happens on the last receive before the dead-letter queue
    event = message_for(request, receive_count=export_worker.MAX_RECEIVES)
    result = export_worker.lambda_handler(event, context)
    # Then the message fails, the request is failed, and no copy of the subject's data is left in the bucket
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert stored_request(request).status == "failed"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=f"exports/{request.subject_id}/")


def test_an_earlier_receive_that_fails_to_record_its_archive_keeps_it_for_the_retry(aws, ddb, s3, context, monkeypatch):
    # Given an export whose request cannot be updated, on a receive that is not the last
    request = submit(seed_subject(ddb, aws))
    original = wiring.requests.requests().export_ready
    monkeypatch.setattr(wiring.requests.requests(), "export_ready", _failing_archive)
    export_worker.lambda_handler(message_for(request, receive_count=1), context)
    # When the retry succeeds
    monkeypatch.setattr(wiring.requests.requests(), "export_ready", original)
    result = export_worker.lambda_handler(message_for(request, receive_count=2), context)
    # Then the request is completed with exactly its one archive
    assert result == {"batchItemFailures": []}
    assert stored_request(request).status == "completed"
    listed = s3.list_objects_v2(Bucket=aws.physical_ids["ExportsBucket"], Prefix=f"exports/{request.subject_id}/")
    assert [item["Key"] for item in listed["Contents"]] == [archive_key(request)]


def test_max_receives_is_the_export_queue_redrive_limit():
    queue = Stack.from_template().resources["ExportQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == export_worker.MAX_RECEIVES


def test_the_bus_routes_access_and_portability_requests_to_the_export_queue(aws, ddb, s3, context):
    # Given an access request, and the events the outbox publishes for it and for an erasure
    request = submit(seed_subject(ddb, aws))
    bus = aws.physical_ids["PrivacyEventBus"]
    summary = {"request_id": request.request_id, "subject_id": request.subject_id, "format": "json"}
    publish(bus, "DataSubjectRequestReceived", {"event_id": "e1", **summary, "type": "access"})
    publish(bus, "DataSubjectRequestReceived", {"event_id": "e2", **summary, "type": "erasure"})
    # When the export queue is read
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = aws.physical_ids["ExportQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    # Then only the access request is there, as an EventBridge envelope the worker exports
    assert [json.loads(m["Body"])["detail"]["event_id"] for m in messages] == ["e1"]
    (message,) = messages
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"],
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": aws.attributes["ExportQueue"]["Arn"],
        "awsRegion": "us-east-1",
    }
    assert export_worker.lambda_handler({"Records": [record]}, context) == {"batchItemFailures": []}
    assert stored_request(request).status == "completed"


# ---------------------------------------------------------------- the layout's ordering assumption


def test_categories_are_contiguous_in_sort_key_order():
    # Given the sort keys the subjects table holds (DynamoDB returns a partition sorted by them)
    keys = [
        "PROFILE",
        "CONSENTS",
        "CONSENTEVT#0000000001#000",
        "CONSENTEVT#0000000002#001",
        "RECEIPT#a1",
        "RECEIPT#b2",
        "REQUEST#r1",
        "REQUEST#r2",
        "RECORD#invoices#INV-1",
        "RECORD#invoices#INV-2",
        "RECORD#invoices_archive#1",
        "RECORD#orders#A",
        "RECORD#orders#B",
        "LOYALTY#1",
        "LOYALTY#2",
        "OUTBOX#x",
        "OPENREQ#access#json",
    ]
    # When they are categorised in that order
    categories = [category_of({"sk": key}) for key in sorted(keys)]
    # Then every category is one run, so data.json can be streamed without holding a category back
    runs = [category for index, category in enumerate(categories) if index == 0 or categories[index - 1] != category]
    assert len(runs) == len(set(runs))


def test_the_data_writer_refuses_a_category_that_comes_back():
    writer = DataJsonWriter(io.BytesIO(), subject_id="s", generated_at=_now())
    writer.add("profile", {})
    writer.add("requests", {})
    with pytest.raises(CategoryOrderError):
        writer.add("profile", {})


# ---------------------------------------------------------------- racing the purge


def _make_due(ddb: Any, aws: Stack, subject_id: str) -> None:
    """The subject's deletion pending and its restore window ended: the purge may be deleting the partition now."""
    past = datetime(2020, 1, 1, tzinfo=UTC)
    ddb.update_item(
        TableName=aws.physical_ids["SubjectsTable"],
        Key={"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET #state = :pending, purge_at = :at, expires_at = :epoch, deletion_reason = :reason",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=to_item(
            {":pending": "pending_deletion", ":at": past.isoformat(), ":epoch": 1577836800, ":reason": "user_request"}
        ),
    )


def _export_closed_for_the_purge(aws: Stack, s3: Any, request: DataRequest, context: Any) -> None:
    """The worker run on the request's message: asserts that it succeeds, that no archive is left in the bucket, and
    that the request is rejected as subject_purged."""
    assert export_worker.lambda_handler(message_for(request), context) == {"batchItemFailures": []}
    assert "Contents" not in s3.list_objects_v2(Bucket=aws.physical_ids["ExportsBucket"])
    stored = stored_request(request)
    assert (stored.status, stored.rejection_reason) == ("rejected", "subject_purged")


def test_an_export_whose_subject_falls_due_during_the_upload_deletes_its_archive(aws, ddb, s3, context, monkeypatch):
    # Given an access request whose subject's restore window ends while the archive is being written
    subject_id = seed_subject(ddb, aws)
    request = submit(subject_id)
    write = export_archive.write_archive

    def purge_starts_meanwhile(*args: Any, **kwargs: Any) -> dict[str, int]:
        counts = write(*args, **kwargs)
        _make_due(ddb, aws, subject_id)
        return counts

    monkeypatch.setattr(export_archive, "write_archive", purge_starts_meanwhile)
    # When the worker exports it, Then the archive is deleted rather than left to outlive the purge, and the request
    # is closed, not completed
    _export_closed_for_the_purge(aws, s3, request, context)


def test_no_export_is_made_for_a_subject_whose_purge_is_due(aws, ddb, s3, context):
    # Given an access request, then the subject's restore window ended
    subject_id = seed_subject(ddb, aws)
    request = submit(subject_id)
    _make_due(ddb, aws, subject_id)
    # When its message reaches the worker, Then nothing is uploaded and the request is closed for that reason
    _export_closed_for_the_purge(aws, s3, request, context)


def test_a_redelivered_message_of_a_rejected_request_deletes_an_archive_left_behind(aws, ddb, s3, context):
    # Given a request rejected (here: by its purge) after its worker uploaded the archive but before it was deleted
    subject_id = seed_subject(ddb, aws)
    request = submit(subject_id)
    bucket = aws.physical_ids["ExportsBucket"]
    s3.put_object(Bucket=bucket, Key=archive_key(request), Body=b"zip")
    wiring.requests.requests().close_for_purge(subject_id)
    # When the message is delivered again
    assert export_worker.lambda_handler(message_for(request), context) == {"batchItemFailures": []}
    # Then the archive no request stands for is deleted
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
