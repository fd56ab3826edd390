"""Last activity per subject, kept in a sparse index bucketed by day and write-sharded.

A busy day is spread over SHARDS partitions so it is never one hot key; a sweep reads a day by querying its
shards, i.e. exactly the subjects whose last activity was that day.
"""

import hashlib
from datetime import date

SHARDS = 16


def shard_of(subject_id: str) -> int:
    return int(hashlib.sha256(subject_id.encode()).hexdigest()[:8], 16) % SHARDS


def activity_keys(subject_id: str, day: date) -> dict[str, str]:
    return {"active_pk": f"ACTIVE#{day.isoformat()}#{shard_of(subject_id):02d}", "active_sk": subject_id}


def day_partitions(day: date) -> list[str]:
    return [f"ACTIVE#{day.isoformat()}#{shard:02d}" for shard in range(SHARDS)]
