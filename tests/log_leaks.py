"""A detector of personal data and secrets in log text, shared by the end-to-end log check and its own unit test."""

import re
from collections.abc import Iterable
from pathlib import Path

# Shapes that must never reach a log whoever they belong to (src/observability.py replaces them by placeholders).
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PRESIGNED_URL = re.compile(r"https?://\S*(?:X-Amz-Signature|Signature=)\S*")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

# Personal values the end-to-end tests send that a login does not record (names in PATCH bodies, e-mail literals).
_EMAIL_LITERAL = re.compile(r"""["']([A-Za-z0-9._%+-]+@example\.(?:org|com|net))["']""")
_NAME_LITERAL = re.compile(r"""["']?(?:given_name|family_name)["']?\s*[:=]\s*["']([A-Z][A-Za-z'-]{1,})["']""")


def seeded_in_sources(folder: Path) -> set[str]:
    """E-mail addresses and given/family names written literally in the test sources of `folder`."""
    found: set[str] = set()
    for source in sorted(folder.glob("test_*.py")):
        text = source.read_text(encoding="utf-8")
        found.update(_EMAIL_LITERAL.findall(text))
        found.update(_NAME_LITERAL.findall(text))
    return found


def find_leaks(text: str, seeded: Iterable[str]) -> list[str]:
    """What of `seeded` appears in `text` as a whole word, then any e-mail address, presigned URL or JWT at all."""
    leaks = []
    for value in sorted(set(seeded)):
        if value and re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text):
            leaks.append(value)
    for kind, pattern in (("e-mail", EMAIL), ("presigned URL", PRESIGNED_URL), ("token", JWT)):
        leaks += [f"{kind}: {match[:120]}" for match in sorted(set(pattern.findall(text))) if match not in leaks]
    return leaks


def context_of(text: str, leak: str, width: int = 160) -> str:
    """The log line around a leak, for the failure message."""
    needle = leak.split(": ", 1)[-1]
    at = text.find(needle)
    if at < 0:
        return ""
    start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)]
    return line if len(line) <= 2 * width else line[max(0, at - start - width) : at - start + width]
