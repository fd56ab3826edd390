"""Imports as deployed: each handler module imported by a fresh interpreter from the package `sam build` makes
(src/Makefile, for this machine's architecture), with its compiled bytecode, against the same package without
bytecode, which is what SAM's own Python builder ships. Lambda's /var/task is read-only: without bytecode in the
package, every cold start compiles every module it imports again. Median of RUNS each, alternated. boto3 comes
from the interpreter's site-packages, with its bytecode, as it comes with the Lambda runtime.

Run alone: PYTHONPATH=src:. .venv/bin/python bench/perf_package.py
"""

import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from perf_common import FUNCTIONS, REGION, ROOT, median, write_fragment

RUNS = int(os.environ.get("PERF_PACKAGE_RUNS", "7"))
CHILD = "import time; started = time.perf_counter(); import {module}; print((time.perf_counter() - started) * 1000)"


def build(target: Path) -> None:
    """The package of src/Makefile, with wheels for this machine so that it runs here."""
    platform_tag = f"manylinux2014_{platform.machine()}"
    subprocess.run(  # noqa: S603 - the project's own Makefile
        [  # noqa: S607 - make from PATH, as sam build runs it
            "make",
            "--silent",
            "-C",
            str(ROOT / "src"),
            "build-Bench",
            f"ARTIFACTS_DIR={target}",
            f"LAMBDA_PLATFORM={platform_tag}",
            f"PYTHON={sys.executable}",
        ],
        check=True,
        capture_output=True,
    )


def without_bytecode(package: Path, target: Path) -> None:
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))


def import_ms(package: Path, module: str) -> float:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(package),
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task cannot be written to
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "bench",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", CHILD.format(module=module)], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="perf-package-") as work:
        packaged, bare = Path(work) / "packaged", Path(work) / "bare"
        build(packaged)
        without_bytecode(packaged, bare)
        results = []
        for function, module in FUNCTIONS.items():
            with_ms: list[float] = []
            without_ms: list[float] = []
            for _ in range(RUNS):
                with_ms.append(import_ms(packaged, module))
                without_ms.append(import_ms(bare, module))
            item = {
                "function": function,
                "import_with_bytecode_ms": round(median(with_ms), 1),
                "import_without_bytecode_ms": round(median(without_ms), 1),
            }
            item["ratio_without_to_with"] = round(
                item["import_without_bytecode_ms"] / item["import_with_bytecode_ms"], 2
            )
            results.append(item)
            print(
                f"  package {function:28s} import {item['import_with_bytecode_ms']:6.1f} ms with bytecode, "
                f"{item['import_without_bytecode_ms']:6.1f} ms without ({item['ratio_without_to_with']:.2f}x)",
                flush=True,
            )
    write_fragment(
        "package",
        {"method": f"import of the handler module, median of {RUNS} alternated runs each", "functions": results},
    )


if __name__ == "__main__":
    main()
