"""The family of a browser, from its user agent: enough to prove how consent was collected, not who gave it."""

import re

_FAMILIES = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|HeadlessChrome/|Chromium/")),
    ("Safari", re.compile(r"Version/[\d.]+ .*Safari/")),
    ("curl", re.compile(r"^curl/")),
    ("python", re.compile(r"python-requests|python-urllib|aiohttp", re.IGNORECASE)),
)


def user_agent_family(user_agent: str | None) -> str | None:
    if not user_agent:
        return None
    for family, pattern in _FAMILIES:
        if pattern.search(user_agent):
            return family
    return "other"
