"""Inactivity end to end, on the local clock: 180 days without activity, the export, the notice, the removal 60
days later, and activity that cancels it."""

import uuid
from datetime import date, datetime

import pytest

from tests.e2e.helpers import aws_client, events_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def fresh_sweep(cloud):
    """Today's clock and a sweep that has never run, whatever earlier tests did to the shared local cloud.

    The checkpoint lives in the subjects table; a test that moved the clock far ahead and ticked leaves it ahead
    of today's cutoff (the sweep then rightly does nothing). Removing it makes the next run a first run.
    """
    cloud.local("POST", "clock", {"reset": True})
    table = cloud.info()["resources"]["SubjectsTable"]
    aws_client(cloud, "dynamodb").delete_item(
        TableName=table, Key={"pk": {"S": "SWEEP#inactivity"}, "sk": {"S": "CHECKPOINT"}}
    )
    yield
    cloud.local("POST", "clock", {"reset": True})


def _sign_up(cloud):
    return cloud.login(f"idle-{uuid.uuid4().hex[:10]}@example.org", given_name="Rip", family_name="Winkle")


def _status(cloud, login):
    answer = cloud.call("GET", "/me/status", login["access_token"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def _exports(cloud, subject_id):
    bucket = cloud.info()["resources"]["ExportsBucket"]
    listing = aws_client(cloud, "s3").list_objects_v2(Bucket=bucket, Prefix=f"exports/{subject_id}/")
    return [item["Key"] for item in listing.get("Contents", [])]


def _notices(cloud, subject_id):
    return [e["detail"] for e in events_of(cloud, "SubjectInactive") if e["detail"]["subject_id"] == subject_id]


def _pass_days(cloud, days):
    cloud.local("POST", "clock", {"advance_days": days})
    report = cloud.local("POST", "tick")
    sweeps = [s for s in report["schedules"] if s["function"] == "InactivitySweepFunction"]
    assert sweeps, report["schedules"]
    assert all(s["outcome"] == "ok" for s in sweeps), sweeps
    return report


def test_after_180_days_without_activity_the_account_is_exported_and_scheduled_and_activity_cancels_it(
    cloud, fresh_sweep
):
    # Given a subject who signed up today (signing up is activity)
    login = _sign_up(cloud)
    subject, signed_up = login["sub"], date.today()
    # When 179 days pass: nothing happens yet
    _pass_days(cloud, 179)
    assert _status(cloud, login)["state"] == "active"
    assert _notices(cloud, subject) == []
    assert _exports(cloud, subject) == []
    # When the 180th day comes
    report = _pass_days(cloud, 1)
    # Then the account is scheduled for removal for inactivity, an export of its data sits in S3, and the host
    # application was told when the purge will be
    assert any(d["function"] == "ExportWorkerFunction" and d["outcome"] == "ok" for d in report["deliveries"])
    status = _status(cloud, login)
    assert (status["state"], status["reason"]) == ("pending_deletion", "inactivity")
    (archive,) = _exports(cloud, subject)
    assert archive.endswith(".zip")
    (notice,) = _notices(cloud, subject)
    assert notice["inactive_since"] == signed_up.isoformat()
    assert datetime.fromisoformat(notice["purge_at"]) == datetime.fromisoformat(status["purge_at"])
    # When the subject is active again on day 200
    _pass_days(cloud, 20)
    answer = cloud.call("POST", "/me/activity", login["access_token"])
    # Then the removal is cancelled
    assert answer.status_code == 200, answer.text
    assert _status(cloud, login)["state"] == "active"


def test_an_account_left_inactive_is_purged_60_days_after_the_notice(cloud, fresh_sweep):
    # Given a subject inactive for 180 days, scheduled for removal with an export of their data
    login = _sign_up(cloud)
    subject = login["sub"]
    _pass_days(cloud, 180)
    assert _status(cloud, login)["reason"] == "inactivity"
    assert _exports(cloud, subject)
    # When 60 more days pass without activity
    _pass_days(cloud, 60)
    # Then the account is purged, its exports with it, and it cannot come back
    assert _status(cloud, login)["state"] == "purged"
    assert _exports(cloud, subject) == []
    cloud.call("POST", "/me/activity", login["access_token"])
    assert _status(cloud, login)["state"] == "purged"
