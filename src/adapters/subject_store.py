"""Profiles, daily activity and host records in the subjects table (requests: adapters/request_store.py).

Keys: pk = SUBJECT#<sub>: sk = PROFILE (carries the activity-index keys), RECORD#<category>#<id>.
"""

from typing import Any

from adapters.aws import dynamodb, transact_write
from adapters.dynamo_json import from_item, to_item
from adapters.keys import PROFILE_SK, subject_pk
from adapters.live_item import SubjectsTableStore
from adapters.outbox import outbox_put
from domain.audit.model import AuditEntry
from domain.errors import Contended, NotFound
from domain.profile import Profile
from domain.values import from_jsonable, to_jsonable

PROFILE_FIELDS = (
    "email",
    "given_name",
    "family_name",
    "country",
    "birth_date",
    "preferences",
    "created_at",
    "updated_at",
)


class DynamoSubjectStore(SubjectsTableStore):
    # ------------------------------------------------------------------ profile
    def profile(self, subject_id: str) -> Profile | None:
        item = self._get(subject_pk(subject_id), PROFILE_SK)
        if item is None:
            return None
        values = from_item(item)
        return from_jsonable(
            Profile, {"subject_id": subject_id, **{k: values[k] for k in PROFILE_FIELDS if k in values}}
        )

    def create_profile(self, profile: Profile, *, audit: AuditEntry) -> bool:
        """False if the subject already has a profile (a repeated sign-up trigger changes nothing)."""
        values = _profile_attributes(profile)
        item = to_item({"pk": subject_pk(profile.subject_id), "sk": PROFILE_SK, "state": "active", **values})
        return transact_write(
            [
                {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
                self.audit.prepare(profile.subject_id, audit),
            ]  # type: ignore[list-item]
        )

    def save_profile(
        self,
        profile: Profile,
        changed: list[str],
        *,
        audit: AuditEntry,
        request_id: str | None = None,
        checked: tuple[Profile, tuple[str, ...]] | None = None,
    ) -> None:
        """`checked`: the stored profile a rule was checked against, and the fields it read; the write happens only
        if they still hold those values (else Contended: nothing written), so that two corrections checked against
        the same profile cannot combine into one the rule would have refused."""
        values = _profile_attributes(profile)
        fields = [*changed, "updated_at"]
        names = {f"#f{i}": field for i, field in enumerate(fields)}
        condition, expected = "attribute_exists(pk)", dict[str, Any]()
        if checked is not None:
            stored, read = checked
            before = _profile_attributes(stored)
            for i, field in enumerate(read):
                names[f"#c{i}"] = field
                if before[field] is None:
                    condition += f" AND attribute_not_exists(#c{i})"
                else:
                    condition += f" AND #c{i} = :c{i}"
                    expected[f":c{i}"] = before[field]
        # A field corrected to null is removed (to_item drops None values: SET would name an undefined value).
        update = "SET " + ", ".join(f"#f{i} = :v{i}" for i, field in enumerate(fields) if values[field] is not None)
        cleared = [f"#f{i}" for i, field in enumerate(fields) if values[field] is None]
        if cleared:
            update += " REMOVE " + ", ".join(cleared)
        attribute_values = to_item({f":v{i}": values[field] for i, field in enumerate(fields)} | expected)
        update_item = {
            "Update": {
                "TableName": self.table,
                "Key": {"pk": {"S": subject_pk(profile.subject_id)}, "sk": {"S": PROFILE_SK}},
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": attribute_values,
            }
        }
        # Names the fields, never their values (Art. 19: recipients re-read what they hold); with the request it
        # answers, when there is one, so that each connected system reports on it.
        event: dict[str, object] = {"subject_id": profile.subject_id, "fields": changed}
        if request_id is not None:
            event["request_id"] = request_id
        # Retried when another audited write for the subject commits first (AuditLog.commit): the update sets only
        # the fields corrected, so applying it again after the other write is the same correction.
        if self.audit.commit(
            lambda: [
                update_item,
                outbox_put(self.table, "ProfileRectified", event, self._now_epoch()),
                self.audit.prepare(profile.subject_id, audit),
            ]
        ):
            if checked is not None and self.profile(profile.subject_id) is not None:
                raise Contended("The profile changed while this correction was checked; nothing was changed, retry.")
            raise NotFound("No profile exists for this account.")

    def record_activity(self, subject_id: str, day: str, activity_keys: dict[str, str]) -> bool:
        """One conditional write per subject per day; False (and no change) if today was already recorded."""
        client = dynamodb()
        try:
            client.update_item(
                TableName=self.table,
                Key={"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
                UpdateExpression="SET last_active_day = :day, active_pk = :apk, active_sk = :ask",
                # Only an active subject's activity counts; a pending one is restored (or refused) by the caller.
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#state) OR #state = :active) "
                "AND (attribute_not_exists(last_active_day) OR last_active_day <> :day)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(
                    {
                        ":day": day,
                        ":apk": activity_keys["active_pk"],
                        ":ask": activity_keys["active_sk"],
                        ":active": "active",
                    }
                ),
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # ------------------------------------------------------------------ host records
    def put_record(
        self, subject_id: str, category: str, record_id: str, document: str, *, audit: AuditEntry, now: str
    ) -> bool:
        """False if the subject has no active profile (none, or pending deletion): nothing is written then. The
        condition is what keeps a record from landing in a partition the purge has already swept."""
        pk = subject_pk(subject_id)
        item = {
            "pk": pk,
            "sk": f"RECORD#{category}#{record_id}",
            "category": category,
            "document": document,
            "updated_at": now,
        }
        return transact_write(
            [
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": {"pk": {"S": pk}, "sk": {"S": PROFILE_SK}},
                        "ConditionExpression": "attribute_exists(pk) AND (attribute_not_exists(#state) OR #state = :active)",
                        "ExpressionAttributeNames": {"#state": "state"},
                        "ExpressionAttributeValues": {":active": {"S": "active"}},
                    }
                },
                {"Put": {"TableName": self.table, "Item": to_item(item)}},
                self.audit.prepare(subject_id, audit),
            ]
        )

    def delete_record(self, subject_id: str, category: str, record_id: str, *, audit: AuditEntry) -> bool:
        """False if there was no such record. Allowed whatever the subject's state: it only removes data."""
        key = {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": f"RECORD#{category}#{record_id}"}}
        return transact_write(
            [
                {"Delete": {"TableName": self.table, "Key": key, "ConditionExpression": "attribute_exists(pk)"}},
                self.audit.prepare(subject_id, audit),
            ]
        )


def _profile_attributes(profile: Profile) -> dict[str, Any]:
    """The profile item's attributes (the subject id is its key)."""
    return {name: value for name, value in to_jsonable(profile).items() if name != "subject_id"}
