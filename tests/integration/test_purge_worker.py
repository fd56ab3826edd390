from handlers import purge_worker
from tests.support import load_event

SUBJECT_PK = "SUBJECT#5f0c7a3e-0d7b-4f0e-9d51-3c1b2a4e6f70"


def _put(ddb, table, pk, sk):
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": sk}})


def _keys(ddb, table, pk):
    items = ddb.query(TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}})[
        "Items"
    ]
    return {item["sk"]["S"] for item in items}


def test_ttl_removal_of_a_profile_purges_the_rest_of_the_subject(aws, ddb, context):
    # Given a subject whose profile TTL expired, with items left in the partition, and another subject
    table = aws.physical_ids["SubjectsTable"]
    for index in range(30):
        _put(ddb, table, SUBJECT_PK, f"CONSENTEVT#{index:04d}")
    _put(ddb, table, "SUBJECT#someone-else", "PROFILE")
    # When the purge worker receives the TTL REMOVE record of the profile
    result = purge_worker.lambda_handler(load_event("purge_worker/ttl_profile_removed.json"), context)
    # Then nothing of the subject remains, the other subject is untouched, and no record failed
    assert result == {"batchItemFailures": []}
    assert _keys(ddb, table, SUBJECT_PK) == set()
    assert _keys(ddb, table, "SUBJECT#someone-else") == {"PROFILE"}


def test_a_user_deletion_of_a_profile_is_not_a_purge(aws, ddb, context):
    # Given a REMOVE record made by a user, not by TTL
    table = aws.physical_ids["SubjectsTable"]
    _put(ddb, table, SUBJECT_PK, "CONSENTS")
    event = load_event("purge_worker/ttl_profile_removed.json")
    del event["Records"][0]["userIdentity"]
    # When the worker receives it
    purge_worker.lambda_handler(event, context)
    # Then the subject's other items stay
    assert _keys(ddb, table, SUBJECT_PK) == {"CONSENTS"}
