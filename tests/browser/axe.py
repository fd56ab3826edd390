"""axe-core in the browser tests: `assert_no_axe_violations(page, name)` fails on any WCAG 2.2 A/AA violation of
what the page shows now, and saves axe's full answer as test-output/browser/axe-<name>.json.

axe-core comes from npm, pinned in package.json and package-lock.json at the repository's root; `npm ci` runs the
first time a test needs it (node_modules missing), so `make test` installs it itself. It is injected as a script
tag: a page served with the deployed Content-Security-Policy would block it, so axe runs on pages served locally
(no policy), and the CSP tests check the policy separately.
"""

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.support import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LOCK = ROOT / "package-lock.json"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
REPORTS = ROOT / "test-output" / "browser"


def axe_script() -> Path:
    """The path of axe.min.js, installed with `npm ci` (from the lock file) if it is not there yet."""
    if AXE.is_file():
        return AXE
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install axe-core for the accessibility checks (apt-get install npm)")
    # One installer at a time: two test processes may ask at once.
    REPORTS.mkdir(parents=True, exist_ok=True)
    with (REPORTS / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.is_file():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True, timeout=600
            )
    return AXE


def _summary(violation: dict[str, Any]) -> str:
    targets = [
        " ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
        for node in violation["nodes"][:5]
    ]
    return f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"


def assert_no_axe_violations(page: Any, name: str) -> None:
    """Runs axe on the page as it is now (WCAG 2.0/2.1/2.2 A and AA rules) and requires 0 violations."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    results = page.evaluate(
        "async (tags) => await window.axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        TAGS,
    )
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"axe-{name}.json").write_text(
        json.dumps({"url": results.get("url"), "violations": results["violations"]}, indent=2), encoding="utf-8"
    )
    violations = results["violations"]
    assert not violations, f"axe found {len(violations)} WCAG A/AA violations on {name}:\n" + "\n".join(
        _summary(v) for v in violations
    )
