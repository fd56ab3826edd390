"""axe-core in the page under test: WCAG 2.0, 2.1 and 2.2 at levels A and AA, zero violations allowed.

axe-core is the npm package pinned in package.json and package-lock.json (`make test` runs `npm ci`; a test run
without make runs it the first time a test needs axe, one process at a time). It is injected
into the page only when a test asks, after the page settled: no animation running, so contrast is measured on the
final colours. Each run's violations are written to test-output/browser/axe-<name>.json for the CI artefacts.
"""

import fcntl
import json
import os
import re
import shutil
import subprocess
from typing import Any

import pytest

from tests.support import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
REPORTS = ROOT / "test-output" / "browser"
MISSING = f"axe-core not found at {AXE}: run `npm install` (make test does)"

RUN = """async (tags) => {
  await Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => null)));
  const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
  }));
}"""


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}")
        lines.extend(f"    {node['target']}: {node['summary']}" for node in violation["nodes"][:5])
    return "\n".join(lines)


def _install() -> None:
    npm = shutil.which("npm")
    if npm is None:
        return
    REPORTS.mkdir(parents=True, exist_ok=True)
    with (REPORTS / ".npm-ci.lock").open("w") as lock:  # two test processes may ask at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.is_file():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True, timeout=600
            )


def assert_no_axe_violations(page: Any, name: str) -> None:
    """Runs axe-core on the whole document as it is now; fails with every violation found, described."""
    if not AXE.is_file():
        _install()
    if not AXE.is_file():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{MISSING}; REQUIRE_BROWSER=1 makes that a failure", pytrace=False)
        pytest.skip(MISSING)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(RUN, TAGS)
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"axe-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.json"
    report.write_text(json.dumps(violations, indent=2), encoding="utf-8")
    assert not violations, f"axe found {len(violations)} WCAG violation(s) in {name}:\n{_describe(violations)}"
