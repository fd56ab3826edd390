"""A chain checked against its anchors: each anchored record must still be in the chain, unchanged."""

from dataclasses import replace
from datetime import UTC, datetime

from domain.audit.model import Anchor, AuditEntry, AuditRecord, next_record, verify_chain

SUBJECT = "a" * 64


def _chain(length: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for day in range(1, length + 1):
        entry = AuditEntry(action="consent.changed", actor="subject", at=datetime(2024, 1, day, tzinfo=UTC))
        records.append(next_record(records[-1] if records else None, SUBJECT, entry))
    return records


def _anchors(records: list[AuditRecord]) -> list[Anchor]:
    return [Anchor(sequence=record.sequence, hash=record.hash, expires_at=record.expires_at) for record in records]


def test_a_chain_without_anchors_checked_says_nothing_of_them():
    # Given a sound chain, verified by its links alone
    verification = verify_chain(_chain(2))
    # Then it is valid and anchored_through is not stated
    assert (verification.valid, verification.anchored_through) == (True, None)


def test_a_chain_newer_than_its_anchors_verifies():
    # Given three records, of which the first two are anchored
    records = _chain(3)
    # When it is verified against the anchors
    verification = verify_chain(records, _anchors(records[:2]))
    # Then it is valid, anchored through the second
    assert (verification.valid, verification.length, verification.anchored_through) == (True, 3, 2)


def test_a_second_anchor_with_another_hash_for_one_sequence_breaks_the_chain():
    # Given a sound chain whose second record was anchored twice, once with another hash
    records = _chain(2)
    forged = replace(records[1], actor="admin")
    anchors = [*_anchors(records), Anchor(sequence=2, hash=forged.computed_hash())]
    # When it is verified
    verification = verify_chain(records, anchors)
    # Then it is not valid: one anchor does not match
    assert (verification.valid, verification.failed_check, verification.broken_at) == (False, "anchor_mismatch", 2)


def test_an_anchor_of_sequence_zero_is_a_mismatch_not_a_crash():
    # Given an anchor no record can have
    records = _chain(1)
    # When the chain is verified against it
    verification = verify_chain(records, [Anchor(sequence=0, hash=records[0].hash)])
    # Then it is not valid
    assert (verification.valid, verification.failed_check) == (False, "anchor_mismatch")


def test_a_link_failure_is_reported_before_the_anchors_with_its_own_check():
    # Given an anchored chain whose first record was edited in place (its hash not recomputed)
    records = _chain(2)
    anchors = _anchors(records)
    records[0] = replace(records[0], actor="admin")
    # When it is verified
    verification = verify_chain(records, anchors)
    # Then the content check fails at the first record, and how far the anchors reach is still said
    assert (verification.failed_check, verification.broken_at, verification.anchored_through) == (
        "content_mismatch",
        1,
        2,
    )


# ---------------------------------------------------------------- expiring (visitor) chains

WRITTEN = datetime(2024, 1, 1, tzinfo=UTC)
DAY = 86_400


def _expiring_chain(length: int) -> list[AuditRecord]:
    """A visitor's chain: record n written on day n, expiring 10 days later."""
    records: list[AuditRecord] = []
    for day in range(1, length + 1):
        at = datetime(2024, 1, day, tzinfo=UTC)
        entry = AuditEntry(action="consent.changed", actor="visitor", at=at, expires_at=int(at.timestamp()) + 10 * DAY)
        records.append(next_record(records[-1] if records else None, "v" * 64, entry))
    return records


def test_a_visitor_chain_whose_oldest_records_expired_still_verifies():
    # Given a visitor chain of three records whose first has expired: TTL deleted it, its anchor (locked until
    # then) is still listed until the lifecycle rule deletes it
    records = _expiring_chain(3)
    now = datetime.fromtimestamp(records[0].expires_at + 1, tz=UTC)
    # When it is verified now, without the expired record
    verification = verify_chain(records[1:], _anchors(records), now=now)
    # Then it is valid from its first retained record on
    assert verification.valid, verification
    assert verification.length == 2


def test_an_expired_record_not_yet_removed_by_the_ttl_is_left_out_too():
    records = _expiring_chain(3)
    now = datetime.fromtimestamp(records[0].expires_at + 1, tz=UTC)
    assert verify_chain(records, _anchors(records), now=now).length == 2


def test_a_visitor_record_removed_before_its_anchor_expired_is_reported():
    # Given a visitor chain whose first record is gone while its anchor is still locked
    records = _expiring_chain(3)
    now = datetime.fromtimestamp(records[0].expires_at - 1, tz=UTC)
    # When it is verified, then the missing record is reported
    verification = verify_chain(records[1:], _anchors(records), now=now)
    assert (verification.valid, verification.failed_check) == (False, "missing_anchored_record")


def test_a_subject_chain_missing_its_first_record_is_still_broken():
    records = _chain(3)
    verification = verify_chain(records[1:], [], now=datetime(2030, 1, 1, tzinfo=UTC))
    assert (verification.valid, verification.failed_check) == (False, "sequence_gap")
