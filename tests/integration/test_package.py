"""`sam build` packages a function the way Lambda runs it best: this code and its pinned requirements (boto3
included) for arm64, every module with compiled bytecode (Lambda's /var/task is read-only: without it each cold
start compiles them). And the package is complete: every function's handler imports, and its SnapStart priming
runs, in a bare python3.13 that sees only the package and the runtime's own modules."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localcloud.provision import function_environment
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


def test_every_module_ships_with_bytecode_python_3_13_loads_without_reading_the_source(package):
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
    # Every product's policy (the only source of its catalog and record categories) and the law's age table
    bundled = sorted(path.name for path in (ROOT / "src" / "policy" / "documents").glob("*.json"))
    assert sorted(path.name for path in (package / "policy" / "documents").glob("*.json")) == bundled
    assert (package / "domain" / "data" / "age_of_consent.json").is_file()
    pinned = dict(
        re.findall(r"^([\w-]+)==([\w.]+)$", (ROOT / "src" / "requirements.txt").read_text(encoding="utf-8"), re.M)
    )
    for name, version in pinned.items():
        dist = name.replace("-", "_")
        assert (package / f"{dist}-{version}.dist-info").is_dir(), f"{name}=={version} is not in the package"
    (extension,) = (package / "pydantic_core").glob("_pydantic_core.*.so")
    assert int.from_bytes(extension.read_bytes()[18:20], "little") == ELF_MACHINE_AARCH64
    assert not {"Makefile", "requirements.txt", ".mypy_cache", "tests"} & {p.name for p in package.iterdir()}


@pytest.fixture(scope="module")
def loadable_package(tmp_path_factory) -> Path:
    """What `sam build` makes of src/ for every function (one CodeUri, one Makefile target), for x86_64: this
    machine cannot load the arm64 wheels, and nothing else differs."""
    package = tmp_path_factory.mktemp("package-x86_64")
    done = subprocess.run(
        ["make", "--no-print-directory", "build-PlatformApiFunction", f"ARTIFACTS_DIR={package}"],
        cwd=ROOT / "src",
        env={**os.environ, "LAMBDA_PLATFORM": "manylinux2014_x86_64"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return package


@pytest.fixture(scope="module")
def runtime_modules(tmp_path_factory) -> Path:
    """What Lambda's python3.13 runtime adds to the standard library for a function: the SnapStart hooks."""
    import snapshot_restore_py

    runtime = tmp_path_factory.mktemp("lambda-runtime")
    shutil.copy(snapshot_restore_py.__file__, runtime)
    return runtime


# Imports the handler as Lambda's bootstrap does, then, for a SnapStart function, runs its snapshot and restore
# hooks; prints where each top-level package came from, so the test can tell it was the package.
_IMPORT = """
import importlib, json, os, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
module_name, _, attribute = sys.argv[3].rpartition(".")
assert callable(getattr(importlib.import_module(module_name), attribute))
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
    from snapshot_restore_py import get_after_restore, get_before_snapshot
    for hooks in (get_before_snapshot(), get_after_restore()):
        for hook, args, kwargs in hooks:
            hook(*args, **kwargs)
origins = {name: getattr(module, "__file__", None) or "" for name, module in sys.modules.items() if "." not in name}
print(json.dumps(origins))
"""


def test_every_function_imports_from_its_package_alone_in_a_bare_python_3_13(aws, loadable_package, runtime_modules):
    functions = aws.of_type("AWS::Serverless::Function")
    globals_fn = aws.template["Globals"]["Function"]
    assert globals_fn["CodeUri"] == "src/"
    assert globals_fn["Runtime"] == "python3.13"
    for name, resource in functions.items():
        props = resource["Properties"]
        assert "CodeUri" not in props, name  # one package serves every function
        assert resource["Metadata"]["BuildMethod"] == "makefile", name
        env = {
            "PATH": os.environ["PATH"],
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            **function_environment(aws, name),
        }
        if (props.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions":
            env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
        done = subprocess.run(  # -I -S: no site-packages, no user site, no PYTHON* variables
            [_python313(), "-I", "-S", "-c", _IMPORT, str(loadable_package), str(runtime_modules), props["Handler"]],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}"
        origins = json.loads(done.stdout.splitlines()[-1])
        for package in ("boto3", "botocore", "pydantic", "aws_lambda_powertools", "handlers"):
            if package in origins:
                assert origins[package].startswith(str(loadable_package)), f"{name}: {package} from {origins[package]}"
        assert "boto3" in origins, f"{name} did not import boto3 from its package"


def _python313() -> str:
    """The base interpreter of the venv (python3.13), not the venv: its site-packages must not be on the path."""
    base = Path(sys.base_prefix) / "bin" / "python3.13"
    assert base.exists(), base
    return str(base)
