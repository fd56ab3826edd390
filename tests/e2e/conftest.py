"""The local cloud started as `make run` starts it, on a free port, driven over HTTP with real tokens."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support import POLICY_DOCUMENTS, ROOT

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Login attributes that are personal data: tests/e2e/test_zz_pii_in_logs.py checks none reached a log.
PERSONAL_ATTRIBUTES = ("email", "given_name", "family_name", "birth_date")


class Cloud:
    """A running local cloud and the calls tests make to it."""

    def __init__(self, base_url: str, process: subprocess.Popen[bytes], log_path: Path | None = None) -> None:
        self.url = base_url
        self.process = process
        self.log_path = log_path  # the local cloud process's own output (functions log to info()["log_file"])
        self.seeded: set[str] = set()  # every personal value sent to the cloud at login
        self.http = requests.Session()
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))

    def login(self, username: str, groups: list[str] | None = None, **attributes: str) -> dict[str, Any]:
        answer = self.http.post(
            f"{self.url}/_local/login", json={"username": username, "groups": groups or [], **attributes}
        )
        answer.raise_for_status()
        login: dict[str, Any] = answer.json()
        self.seeded.add(str(login["username"]))  # the user's e-mail address
        self.seeded.update(str(attributes[name]) for name in PERSONAL_ATTRIBUTES if attributes.get(name))
        return login

    def token(self, username: str, groups: list[str] | None = None, **attributes: str) -> str:
        return str(self.login(username, groups, **attributes)["access_token"])

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Generous: the concurrency tests queue 50 requests on the local cloud's few workers, on a shared CI machine.
        return self.http.request(method, f"{self.url}{path}", headers=headers, timeout=240, **kwargs)

    def local(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self.http.request(method, f"{self.url}/_local/{path}", json=body or {}, timeout=300)
        answer.raise_for_status()
        return answer.json()  # type: ignore[no-any-return]

    def info(self) -> dict[str, Any]:
        return self.local("GET", "info")


def start_cloud(log_path: Path, *extra: str, env_overrides: dict[str, str] | None = None) -> Cloud:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]), **(env_overrides or {})}
    env["PYTHONUNBUFFERED"] = "1"  # the log is complete while the cloud runs (the log check reads it then)
    env.pop("AWS_ENDPOINT_URL", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "--port", str(port), "--no-auto-deliver", *extra],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local cloud exited: {log_path.read_text()[-2000:]}")
        try:
            if requests.get(f"{base_url}/health", timeout=5).status_code == 200:
                return Cloud(base_url, process, log_path)
        except (requests.ConnectionError, requests.Timeout):  # a loaded machine answers late: ask again
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the local cloud did not answer /health within 60 s")


def stop_cloud(cloud: Cloud) -> None:
    cloud.process.send_signal(signal.SIGTERM)
    try:
        cloud.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        cloud.process.kill()


def own_cloud(
    tmp_path_factory: pytest.TempPathFactory, folder: str, *extra: str, env_overrides: dict[str, str] | None = None
) -> Iterator[Cloud]:
    """For a fixture (`yield from`): a local cloud started with `extra` arguments, its log in a new temporary `folder`,
    stopped when the fixture's scope ends."""
    running = start_cloud(tmp_path_factory.mktemp(folder) / "localcloud.log", *extra, env_overrides=env_overrides)
    yield running
    stop_cloud(running)


@pytest.fixture(scope="session")
def policy_documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The policy documents the functions read (POLICY_DOCUMENTS: copies of the bundled ones, so a test can publish a
    new policy version and restart the functions)."""
    directory = tmp_path_factory.mktemp("policies")
    for document in POLICY_DOCUMENTS.glob("*.json"):
        shutil.copyfile(document, directory / document.name)
    return directory


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory, policy_documents: Path) -> Iterator[Cloud]:
    yield from own_cloud(tmp_path_factory, "localcloud", env_overrides={"POLICY_DOCUMENTS": str(policy_documents)})


@pytest.fixture(scope="module")
def product_cloud(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """A local cloud of its own, started as `make run POLICY=<name>` starts it, for a module whose POLICY names a
    product (tests/e2e/test_policy_*.py)."""
    name = request.module.POLICY
    yield from own_cloud(tmp_path_factory, f"localcloud-{name}", "--policy", name)


CONNECTED_SYSTEMS = ("crm", "mailer")
WITH_CONNECTED_SYSTEMS = ("--parameter", f"ConnectedSystems={','.join(CONNECTED_SYSTEMS)}")


@pytest.fixture(scope="module")
def systems_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """A local cloud of its own deployed with connected systems (ConnectedSystems=crm,mailer), as a stack whose host
    systems report on each request: every request then waits for both."""
    yield from own_cloud(tmp_path_factory, "localcloud-systems", *WITH_CONNECTED_SYSTEMS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One local cloud per test session: every end-to-end test runs on the same xdist worker.
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.xdist_group("cloud"))
