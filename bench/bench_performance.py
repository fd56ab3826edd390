"""The performance suite (`make bench`; not part of `make test`): every figure with its floor, measured in the same
run on this machine, written to bench/results.json and printed as a table. docs/performance.md explains each one.

    cold    perf_cold.py    per function: fresh interpreter, import + first answer vs import boto3 + the same calls
    warm    perf_warm.py    per API operation: handler time vs the raw DynamoDB calls it needs (moto in-process)
    calls   perf_calls.py   AWS calls per operation and worker step vs the call plan
    export  perf_export.py  100,000 items: worker peak RSS above baseline, time vs raw paging + raw multipart
    sweep   perf_sweep.py   time per subject found vs the raw calls and writes; reads at scale from
                            bench_inactivity_sweep.py (which make bench runs first)
    package perf_package.py per function: import from the package sam build makes, with its bytecode vs without
                            (what SAM's own Python builder would ship)

Each phase runs in its own interpreter. Exit status 1 if a phase fails or an operation exceeds its call plan (a
regression); the other targets are reported, met or not. Run: PYTHONPATH=src:. .venv/bin/python bench/bench_performance.py
"""

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results.json"
PHASES = ("cold", "warm", "calls", "export", "sweep", "package")


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {name: metadata.version(name) for name in ("boto3", "aws-lambda-powertools", "pydantic", "moto")}
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "load_average_at_start": list(os.getloadavg()),
    }


def run_phase(name: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(BENCH / f"perf_{name}.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    tail: list[str] = []
    for line in process.stdout:
        if line.startswith("  "):
            print(line, end="", flush=True)  # the phase's progress lines
        tail = [*tail[-40:], line]
    if process.wait() != 0:
        raise RuntimeError(f"phase {name} failed:\n{''.join(tail)}")
    fragment = BENCH / f"results_{name}.json"
    data: dict[str, Any] = json.loads(fragment.read_text(encoding="utf-8"))
    data["phase_seconds"] = round(time.perf_counter() - started, 1)
    return data


def mark(ok: bool | None) -> str:
    return "-" if ok is None else ("ok" if ok else "MISSED")


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str, str, str]]:
    """(section, what, figure, floor, ratio, target, met)"""
    table: list[tuple[str, str, str, str, str, str, str]] = []
    cold = results["cold"]
    for item in cold["functions"]:
        met = item["ratio"] <= cold["target_ratio"]
        table.append(
            (
                "cold start",
                item["function"],
                f"{item['handler_ms']:.0f} ms",
                f"{item['floor_ms']:.0f} ms",
                f"{item['ratio']:.2f}",
                f"<= {cold['target_ratio']}",
                mark(met),
            )
        )
    for item in cold["functions"]:
        if "own_share" in item:
            table.append(
                (
                    "cold start, own share",
                    f"{item['function']}: (cold start - stack floor) / stack floor",
                    f"{item['handler_ms']:.0f} ms",
                    f"{item['stack_floor_ms']:.0f} ms",
                    f"{item['own_share']:.2f}",
                    f"<= {item['own_share_target']}",
                    mark(item["own_share"] <= item["own_share_target"]),
                )
            )
    for item in cold["functions"]:
        restore = item.get("restore")
        if restore:
            table.append(
                (
                    "first request after restore",
                    f"{item['function']} (SnapStart): first request vs the same request warm",
                    f"{restore['first_ms']:.1f} ms",
                    f"{restore['warm_ms']:.1f} ms",
                    f"{restore['ratio']:.2f}",
                    f"<= {restore['target_ratio']}",
                    mark(restore["ratio"] <= restore["target_ratio"]),
                )
            )
    framework = cold.get("framework")
    if framework:
        table.append(
            (
                "cold start",
                "framework alone: powertools' validated resolver + pydantic, on top of boto3",
                f"{framework['ms']:.0f} ms",
                "",
                "",
                "",
                "-",
            )
        )
        table.append(
            (
                "cold start",
                "pydantic alone: the same models without the resolver, on top of boto3",
                f"{framework['pydantic_alone_ms']:.0f} ms",
                "",
                "",
                "",
                "-",
            )
        )
    warm = results["warm"]
    for item in warm["operations"]:
        table.append(
            (
                "warm",
                item["operation"],
                f"{item['handler_ms']:.2f} ms",
                f"{item['floor_ms']:.2f} ms",
                f"{item['ratio']:.2f}",
                f"<= {warm['target_ratio']}",
                mark(item["ratio"] <= warm["target_ratio"]),
            )
        )
    for item in results["calls"]["cases"]:
        table.append(
            (
                "AWS calls",
                item["operation"],
                str(item["calls"]),
                "",
                "",
                f"<= {item['plan']}",
                mark(item["within_plan"]),
            )
        )
    export = results["export"]
    table.append(
        (
            "export",
            f"peak RSS above baseline ({export['items']:,} items)",
            f"{export['peak_rss_above_baseline_mib']:.1f} MiB",
            "",
            "",
            f"< {export['target_peak_mib']} MiB",
            mark(export["peak_rss_above_baseline_mib"] < export["target_peak_mib"]),
        )
    )
    table.append(
        (
            "export",
            f"time ({export['json_mib']:.0f} MiB of JSON, {export['archive_mib']:.1f} MiB zip)",
            f"{export['worker_seconds']:.1f} s",
            f"{export['floor_seconds']:.1f} s",
            f"{export['throughput_ratio']:.2f}",
            f"<= {export['target_ratio']}",
            mark(export["throughput_ratio"] <= export["target_ratio"]),
        )
    )
    sweep = results["sweep"]
    reads = sweep.get("reads_at_scale")
    if reads:
        table.append(
            (
                "sweep",
                f"items read / subjects found ({reads['subjects_total']:,} subjects)",
                f"{reads['items_read']}/{reads['subjects_found']}",
                "",
                f"{reads['ratio']}",
                f"<= {reads['target_ratio']}",
                mark(reads["ratio"] is not None and reads["ratio"] <= reads["target_ratio"]),
            )
        )
    table.append(
        (
            "sweep",
            "time per subject found vs all raw calls",
            f"{sweep['ms_per_subject']:.2f} ms",
            f"{sweep['raw_calls_ms_per_subject']:.2f} ms",
            f"{sweep['ratio_to_raw_calls']:.2f}",
            "",
            "-",
        )
    )
    table.append(
        (
            "sweep",
            "time per subject found vs raw writes",
            f"{sweep['ms_per_subject']:.2f} ms",
            f"{sweep['raw_writes_ms_per_subject']:.2f} ms",
            f"{sweep['ratio_to_raw_writes']:.2f}",
            "",
            "-",
        )
    )
    for item in results.get("package", {}).get("functions", []):
        table.append(
            (
                "as packaged",
                f"{item['function']}: import (ratio: without bytecode / with)",
                f"{item['import_with_bytecode_ms']:.0f} ms (without: {item['import_without_bytecode_ms']:.0f} ms)",
                "",
                f"{item['ratio_without_to_with']:.2f}",
                "",
                "-",
            )
        )
    return table


def print_table(results: dict[str, Any]) -> None:
    host = results["machine"]
    print(f"\nPerformance on {host['cores']} cores, {host['cpu']} (Python {host['python']}); floors from the same run")
    header = ("section", "what", "figure", "floor", "ratio", "target", "met")
    body = rows(results)
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *body]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def print_markdown(results: dict[str, Any]) -> None:
    """The table as docs/performance.md holds it: `bench_performance.py --markdown` prints it from results.json."""
    host = results["machine"]
    print(
        f"Run of {results['generated_at']} on {host['cores']} cores, {host['cpu']}, Python {host['python']} "
        f"(load average at the start: {', '.join(f'{x:.1f}' for x in host['load_average_at_start'])}).\n"
    )
    print("| section | what | figure | floor | ratio | target | met |")
    print("|---|---|---:|---:|---:|---|---|")
    for row in rows(results):
        print("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    print("\nCold start in detail (ms; median of the runs unless said; CPU = the child's own CPU time):\n")
    print(
        "| function | event | AWS calls | import | first answer | total | floor | min / floor min | CPU ratio "
        "| (floor + framework) / floor |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for item in results["cold"]["functions"]:
        bound = f"{item['framework_bound_ratio']:.2f}" if "framework_bound_ratio" in item else ""
        print(
            f"| {item['function']} | {item['event']} | {len(item['calls'])} | {item['handler_import_ms']:.0f} | "
            f"{item['handler_first_answer_ms']:.0f} | {item['handler_ms']:.0f} | {item['floor_ms']:.0f} | "
            f"{item.get('handler_min_ms', 0):.0f} / {item.get('floor_min_ms', 0):.0f} | {item['cpu_ratio']:.2f} | "
            f"{bound} |"
        )
    print("\nTop import contributors (`python -X importtime` over the cold start, min of 3; ms):\n")
    print(
        "| function | all imports | boto3's packages | by package (self time) | largest imports, without boto3's part |"
    )
    print("|---|---:|---:|---|---|")
    for item in results["cold"]["functions"]:
        timing = item["importtime"]
        packages = ", ".join(f"{name} {ms:.0f}" for name, ms in list(timing["by_package_ms"].items())[:5])
        largest = ", ".join(f"{x['module']} {x['ms_without_boto3']:.0f}" for x in timing["largest_imports"][:4])
        print(
            f"| {item['function']} | {timing['total_ms']:.0f} | {timing['boto3_stack_ms']:.0f} | {packages} | {largest} |"
        )


def main() -> int:
    if "--markdown" in sys.argv:
        print_markdown(json.loads(RESULTS.read_text(encoding="utf-8")))
        return 0
    results: dict[str, Any] = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    # `bench_performance.py export sweep`: run those phases again, take the others from this run's fragments
    chosen = [name for name in sys.argv[1:] if name in PHASES] or list(PHASES)
    for name in PHASES:
        if name in chosen:
            print(f"{name} ...", flush=True)
            results[name] = run_phase(name)
        else:
            results[name] = json.loads((BENCH / f"results_{name}.json").read_text(encoding="utf-8"))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    missed = [f"{row[0]}: {row[1]}" for row in rows(results) if row[6] == "MISSED"]
    if missed:
        print("\nTargets not met (docs/performance.md says why):\n  " + "\n  ".join(missed))
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")
    over_plan = [case for case in results["calls"]["cases"] if not case["within_plan"]]
    return 1 if over_plan else 0


if __name__ == "__main__":
    sys.exit(main())
