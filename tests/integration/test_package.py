"""`sam build` packages a function the way Lambda runs it best: this code and its pinned requirements for arm64,
every module with compiled bytecode (Lambda's /var/task is read-only: without it each cold start compiles them)."""

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"
FUNCTION = "PlatformApiFunction"  # every function is built by the same src/Makefile target
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked
ELF_MACHINE_AARCH64 = 183
pytestmark = pytest.mark.xdist_group("sam-build")  # one build, in one worker


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    if not SAM.exists():
        pytest.fail("SAM CLI missing: make .venv-sam/.installed")
    build_dir = tmp_path_factory.mktemp("sam-build")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    done = subprocess.run(
        [str(SAM), "build", FUNCTION, "--build-dir", str(build_dir), "--region", "us-east-1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return build_dir / FUNCTION


def test_every_module_ships_with_bytecode_python_3_11_loads_without_reading_the_source(package):
    sources = [p for p in package.rglob("*.py") if "bin" not in p.relative_to(package).parts]
    assert len(sources) > 400  # this code, pydantic, powertools and the rest
    for source in sources:
        compiled = Path(importlib.util.cache_from_source(str(source)))
        assert compiled.is_file(), f"{source.relative_to(package)} has no bytecode"
        header = compiled.read_bytes()[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER, compiled
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH, compiled


def test_the_package_holds_the_code_and_the_pinned_requirements_for_arm64_and_nothing_else(package):
    assert (package / "handlers" / "platform_api.py").is_file()
    assert (package / "domain" / "data" / "purposes.json").is_file()
    pinned = dict(
        re.findall(r"^([\w-]+)==([\w.]+)$", (ROOT / "src" / "requirements.txt").read_text(encoding="utf-8"), re.M)
    )
    for name, version in pinned.items():
        dist = name.replace("-", "_")
        assert (package / f"{dist}-{version}.dist-info").is_dir(), f"{name}=={version} is not in the package"
    (extension,) = (package / "pydantic_core").glob("_pydantic_core.*.so")
    assert int.from_bytes(extension.read_bytes()[18:20], "little") == ELF_MACHINE_AARCH64
    assert not {"Makefile", "requirements.txt", ".mypy_cache", "tests"} & {p.name for p in package.iterdir()}
