"""Lambda functions run locally: a pool of warm worker processes per function, like Lambda's containers."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from localcloud.template import ROOT

MAX_CONCURRENCY = 4  # per function; enough to exercise races without starving a 2-core machine


class FunctionError(Exception):
    """The function raised, crashed or timed out (Lambda's 'Unhandled' error); `error_type` and `error_message` are
    what Lambda reports of an exception the function raised (None when it crashed or timed out)."""

    def __init__(self, message: str, error_type: str | None = None, error_message: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.error_message = error_message


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    environment: dict[str, str]
    timeout_s: int
    memory_mb: int


class _Worker:
    def __init__(self, spec: FunctionSpec, base_env: dict[str, str], log: IO[str]) -> None:
        env = {**os.environ, **base_env, **spec.environment}
        env.update(
            AWS_LAMBDA_FUNCTION_NAME=spec.logical_id,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(spec.memory_mb),
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "localcloud.worker", spec.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            cwd=ROOT,
            text=True,
            bufsize=1,
        )
        self.spec = spec
        ready = self._read_line(timeout=60)
        if not ready or not ready.get("ready"):
            self.stop()
            raise FunctionError(f"{spec.logical_id} failed to start (see the local cloud's log)")

    def _read_line(self, timeout: float) -> dict[str, Any] | None:
        assert self.process.stdout is not None
        answer: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: answer.put(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        try:
            line = answer.get(timeout=timeout)
        except queue.Empty:
            return None
        return json.loads(line) if line else None

    def invoke(self, event: dict[str, Any]) -> Any:
        assert self.process.stdin is not None
        deadline_ms = int((time.time() + self.spec.timeout_s) * 1000)
        request = {"event": event, "request_id": str(uuid.uuid4()), "deadline_ms": deadline_ms}
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError as error:
            raise FunctionError(f"{self.spec.logical_id} is not running") from error
        answer = self._read_line(timeout=self.spec.timeout_s + 1)
        if answer is None:
            self.stop()
            raise FunctionError(f"{self.spec.logical_id} timed out or crashed")
        if "error" in answer:
            error_type, error_message = answer["error"]["errorType"], answer["error"]["errorMessage"]
            raise FunctionError(f"{self.spec.logical_id}: {error_type}: {error_message}", error_type, error_message)
        return answer["result"]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)


class FunctionPool:
    """Up to MAX_CONCURRENCY warm workers per function, created on demand, reused while alive."""

    def __init__(self, specs: dict[str, FunctionSpec], base_env: dict[str, str], log_path: Path) -> None:
        self.specs = specs
        self._base_env = base_env
        self._log = log_path.open("a", encoding="utf-8", buffering=1)
        self._idle: dict[str, list[_Worker]] = {name: [] for name in specs}
        self._all: list[_Worker] = []
        self._slots = {name: threading.BoundedSemaphore(MAX_CONCURRENCY) for name in specs}
        self._lock = threading.Lock()
        self.invocations: dict[str, int] = dict.fromkeys(specs, 0)

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        with self._slots[function]:
            with self._lock:
                self.invocations[function] += 1
            worker = self._take(function)
            try:
                result = worker.invoke(event)
            finally:
                self._give_back(function, worker)
            return result

    def _take(self, function: str) -> _Worker:
        with self._lock:
            while self._idle[function]:
                worker = self._idle[function].pop()
                if worker.alive:
                    return worker
        worker = _Worker(self.specs[function], self._base_env, self._log)
        with self._lock:
            self._all.append(worker)
        return worker

    def _give_back(self, function: str, worker: _Worker) -> None:
        with self._lock:
            if worker.alive:
                self._idle[function].append(worker)

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [worker.process.pid for worker in self._all if worker.alive]

    def stop_workers(self) -> None:
        """Like a deployment: every warm container goes; the next invocation is a cold start."""
        with self._lock:
            workers, self._all = self._all, []
            for idle in self._idle.values():
                idle.clear()
        for worker in workers:
            worker.stop()

    def stop(self) -> None:
        self.stop_workers()
        self._log.close()
