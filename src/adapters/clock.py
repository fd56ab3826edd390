"""The system clock, shifted by the local cloud's offset in local mode only (POST /_local/clock)."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class SystemClock:
    def __init__(self) -> None:
        offset_file = os.environ.get("LOCAL_CLOCK_FILE") if os.environ.get("PRIVACY_LOCAL_CLOUD") else None
        self._offset_file = Path(offset_file) if offset_file else None

    def _offset(self) -> timedelta:
        if self._offset_file is None:
            return timedelta(0)
        try:
            return timedelta(seconds=float(self._offset_file.read_text() or 0))
        except (OSError, ValueError):
            return timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset()
