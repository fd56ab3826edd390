"""A regulator verifies a deletion certificate offline with the snippet of docs/verify-certificate.md.

The snippet is extracted from the document and executed as it is, so the document cannot drift from what works.
"""

import ast
import base64
import copy
import json
import re
import subprocess
import sys
import uuid

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.e2e.helpers import events_of
from tests.support import ROOT

pytestmark = pytest.mark.e2e

DOCUMENT = ROOT / "docs" / "verify-certificate.md"
ALLOWED_IMPORTS = {"base64", "json", "sys", "cryptography"}


def _snippet() -> str:
    blocks = re.findall(r"```python verify-certificate\n(.*?)```", DOCUMENT.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/verify-certificate.md must hold exactly one `python verify-certificate` block"
    return blocks[0]


def _verifier():
    source = _snippet()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= ALLOWED_IMPORTS, f"the regulator's snippet imports more than it may: {imported}"
    namespace: dict = {"__name__": "verify_certificate"}
    exec(compile(source, str(DOCUMENT), "exec"), namespace)  # noqa: S102 - our own documentation's code
    return namespace["verify_certificate"]


@pytest.fixture(scope="module")
def purged(cloud):
    """A subject who deleted their account, purged 61 days later by the daily tick: its certificate id."""
    login = cloud.login(
        f"cert-{uuid.uuid4().hex[:8]}@example.org", given_name="Grace", family_name="Hopper", country="DE"
    )
    token = login["access_token"]
    assert cloud.call("PUT", "/me/consents", token, json={"decisions": {"analytics": True}, "source": "settings"}).ok
    app = cloud.token(f"shop-{uuid.uuid4().hex[:6]}", ["privacy-app"])
    record = cloud.call("PUT", f"/app/subjects/{login['sub']}/records/orders/O-1", app, json={"item": "lamp"})
    assert record.status_code == 200, record.text
    assert cloud.call("DELETE", "/me", token).status_code == 202
    try:
        cloud.local("POST", "clock", {"advance_days": 61})
        cloud.local("POST", "tick")
    finally:
        cloud.local("POST", "clock", {"reset": True})
    (event,) = [e for e in events_of(cloud, "SubjectPurged") if e["detail"]["subject_id"] == login["sub"]]
    return event["detail"]["certificate_id"]


@pytest.fixture(scope="module")
def documents(cloud, purged):
    """What the regulator holds: the published key and the certificate an operator handed over."""
    admin = cloud.token(f"admin-{uuid.uuid4().hex[:8]}", ["privacy-admin"])
    key = cloud.call("GET", "/.well-known/privacy-signing-key")
    certificate = cloud.call("GET", f"/admin/certificates/{purged}", admin)
    assert key.status_code == 200, key.text
    assert certificate.status_code == 200, certificate.text
    return key.json(), certificate.json()


def test_a_genuine_certificate_verifies_with_the_published_key(documents, purged):
    key, signed = documents
    certificate = _verifier()(key, signed)
    assert certificate["certificate_id"] == purged
    assert certificate["deleted_counts"]["orders"] == 1
    assert signed["signing_key_id"].rsplit("/", 1)[-1] == key["key_id"].rsplit("/", 1)[-1]


def test_the_snippet_runs_as_a_script_on_the_saved_documents(documents, tmp_path):
    key, signed = documents
    script, key_file, certificate_file = tmp_path / "verify.py", tmp_path / "key.json", tmp_path / "cert.json"
    script.write_text(_snippet(), encoding="utf-8")
    key_file.write_text(json.dumps(key), encoding="utf-8")
    certificate_file.write_text(json.dumps(signed), encoding="utf-8")
    run = [sys.executable, "-I", str(script), str(key_file), str(certificate_file)]  # -I: no project on the path
    answer = subprocess.run(run, capture_output=True, text=True, timeout=60, check=False)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith(f"valid: certificate {signed['certificate']['certificate_id']}")
    tampered = copy.deepcopy(signed)
    tampered["certificate"]["deleted_counts"]["orders"] = 0
    certificate_file.write_text(json.dumps(tampered), encoding="utf-8")
    assert subprocess.run(run, capture_output=True, text=True, timeout=60, check=False).returncode != 0


def _with_count_changed(signed: dict, consistent_message: bool) -> dict:
    tampered = copy.deepcopy(signed)
    tampered["certificate"]["deleted_counts"]["orders"] += 1
    if consistent_message:  # the forger also rewrites the signed message to match
        tampered["signed_message"] = json.dumps(tampered["certificate"], sort_keys=True, separators=(",", ":"))
    return tampered


def test_a_certificate_with_one_changed_count_is_refused(documents):
    key, signed = documents
    verify = _verifier()
    with pytest.raises(InvalidSignature):
        verify(key, _with_count_changed(signed, consistent_message=True))
    with pytest.raises(ValueError, match="not the one that was signed"):
        verify(key, _with_count_changed(signed, consistent_message=False))


def test_a_signature_made_with_another_key_is_refused(documents):
    key, signed = documents
    forger = ec.generate_private_key(ec.SECP256R1())
    forged = copy.deepcopy(signed)
    forged["signature"] = base64.b64encode(
        forger.sign(signed["signed_message"].encode(), ec.ECDSA(hashes.SHA256()))
    ).decode()
    with pytest.raises(InvalidSignature):
        _verifier()(key, forged)


def test_an_unknown_certificate_is_404(cloud):
    admin = cloud.token(f"admin-{uuid.uuid4().hex[:8]}", ["privacy-admin"])
    answer = cloud.call("GET", f"/admin/certificates/{uuid.uuid4().hex}", admin)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
