"""No personal data in the logs: after every other end-to-end test ran against the shared local cloud (this file
sorts last, and the e2e group runs on one worker), neither the functions' log nor the local cloud's own log holds
any e-mail address, name or birth date the tests sent, nor a presigned URL or a token.

The test first drives one flow of its own through the routes that handle personal data (profile correction, a
rejected correction, a parental consent request, an export and its download link), so it checks something even
when run alone.
"""

import uuid
from pathlib import Path

import pytest

from tests.log_leaks import context_of, find_leaks, seeded_in_sources
from tests.support import ROOT

pytestmark = pytest.mark.e2e


def _drive_personal_data_through_the_routes(cloud) -> None:
    tag = uuid.uuid4().hex[:8]
    login = cloud.login(f"logcheck-{tag}@example.org", given_name="Hedy", family_name=f"Lamarr{tag}", country="AT")
    token, app = login["access_token"], cloud.token(f"logcheck-host-{tag}", ["privacy-app"])
    assert cloud.call("PATCH", "/me", token, json={"family_name": "Kiesler"}).status_code == 200
    # A rejected value must not be echoed into a log either
    assert cloud.call("PATCH", "/me", token, json={"given_name": "Hedwig" * 30}).status_code == 422
    asked = cloud.call(
        "POST",
        "/minors/consent-requests",
        app,
        json={"parent_email": f"logcheck-parent-{tag}@example.org", "country": "AT", "child_reference": tag},
    )
    assert asked.status_code == 201, asked.text
    request = cloud.call("POST", "/me/requests", token, json={"type": "access"})
    assert request.status_code == 202, request.text
    cloud.local("POST", "drain")
    download = cloud.call("GET", f"/me/requests/{request.json()['request_id']}/download", token)
    assert download.status_code == 200, download.text
    cloud.seeded.update({"Kiesler", "Hedwig" * 30, f"logcheck-parent-{tag}@example.org"})


def test_no_personal_data_reaches_the_logs(cloud):
    # Given every personal value the end-to-end tests sent (recorded at login, and literal in their sources)
    _drive_personal_data_through_the_routes(cloud)
    cloud.local("POST", "drain")
    seeded = cloud.seeded | seeded_in_sources(ROOT / "tests" / "e2e")
    assert "Kiesler" in seeded
    assert any(value.endswith("@example.org") for value in seeded)
    # When the functions' log and the local cloud's own log are read
    assert cloud.log_path is not None
    logs = {"functions.log": cloud.info()["log_file"], "local cloud log": cloud.log_path}
    problems = []
    for name, path in logs.items():
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        # (guards: these are the logs being written, not empty files)
        assert '"level":"INFO"' in text if name == "functions.log" else "Local cloud ready" in text, name
        # Then none of it appears there
        problems += [f"{name}: {leak}\n    {context_of(text, leak)}" for leak in find_leaks(text, seeded)]
    assert not problems, "personal data or secrets in the logs:\n" + "\n".join(problems)
