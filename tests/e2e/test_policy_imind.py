"""iMind's dated promises, on the local cloud deployed with its policy (the default): a deleted account is
unavailable at once, restorable until its purge, and gone, backups included, within 60 days; an account inactive
for 180 days is scheduled for removal and purged 60 days later."""

import uuid

import pytest

from localcloud.template import Stack
from tests.e2e.helpers import approved_child, aws_client, born

pytestmark = pytest.mark.e2e
BACKUP_DAYS = int(Stack.from_template().parameters["BackupRetentionDays"])


@pytest.fixture
def imind(cloud):
    policy = cloud.call("GET", "/policy").json()
    assert policy["product"] == "imind"
    yield cloud, policy
    cloud.local("POST", "clock", {"reset": True})


def test_a_deleted_account_is_unavailable_restorable_until_its_purge_and_gone_within_60_days(imind):
    cloud, policy = imind
    erasure = policy["erasure"]
    assert erasure["purge_within_days"] == 60
    assert erasure["restore_window_days"] + BACKUP_DAYS <= erasure["purge_within_days"]  # backups age out in time
    token = cloud.login(f"imind-{uuid.uuid4().hex[:8]}@example.org")["access_token"]
    assert cloud.call("DELETE", "/me", token).status_code == 202
    assert cloud.call("GET", "/me", token).status_code == 410  # unavailable at once
    cloud.local("POST", "clock", {"advance_days": erasure["restore_window_days"] - 1})
    assert cloud.call("POST", "/me/restore", token).status_code == 200  # restorable until the purge
    assert cloud.call("DELETE", "/me", token).status_code == 202
    cloud.local("POST", "clock", {"advance_days": erasure["restore_window_days"] + 1})
    cloud.local("POST", "tick")
    assert cloud.call("GET", "/me/status", token).json()["state"] == "purged"


def test_an_account_inactive_for_180_days_is_scheduled_then_purged_60_days_later(imind):
    cloud, policy = imind
    assert policy["inactivity"] == {"enabled": True, "after_days": 180, "grace_days": 60}
    cloud.local("POST", "clock", {"reset": True})
    aws_client(cloud, "dynamodb").delete_item(  # a first run of the sweep, whatever earlier tests did
        TableName=cloud.info()["resources"]["SubjectsTable"],
        Key={"pk": {"S": "SWEEP#inactivity"}, "sk": {"S": "CHECKPOINT"}},
    )
    login = cloud.login(f"idle-{uuid.uuid4().hex[:10]}@example.org")
    cloud.local("POST", "clock", {"advance_days": 180})
    cloud.local("POST", "tick")
    status = cloud.call("GET", "/me/status", login["access_token"]).json()
    assert (status["state"], status["reason"]) == ("pending_deletion", "inactivity")
    cloud.local("POST", "clock", {"advance_days": 61})
    cloud.local("POST", "tick")
    assert cloud.call("GET", "/me/status", login["access_token"]).json()["state"] == "purged"


def test_a_14_year_old_in_germany_cannot_grant_marketing_emails_and_is_not_offered_them(imind):
    cloud, _ = imind
    # Given a 14-year-old in Germany (16 there), signed up with a parent's approval
    child = approved_child(cloud, born(14), "DE", given_name="Kid")["access_token"]
    # When they grant marketing e-mails
    granted = cloud.call(
        "PUT", "/me/consents", child, json={"decisions": {"marketing_emails": True}, "source": "settings"}
    )
    # Then it is refused with a stable code naming the purpose, and a refusal is accepted
    assert granted.status_code == 422, granted.text
    assert granted.json()["error"] == "purpose_not_for_minors"
    assert granted.json()["details"] == [{"purpose": "marketing_emails"}]
    refused = cloud.call(
        "PUT", "/me/consents", child, json={"decisions": {"marketing_emails": False}, "source": "settings"}
    )
    assert refused.status_code == 200, refused.text
    # And the privacy center is told not to offer it
    consents = cloud.call("GET", "/me/consents", child).json()["consents"]
    assert consents["marketing_emails"]["offered"] is False
    assert consents["analytics"]["offered"] is True
