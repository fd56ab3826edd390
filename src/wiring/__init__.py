"""The one place that builds adapters and services: one module per bounded context, plus `shared` (settings, clock,
the audit log and the subject store every context uses).

Every factory is a `provider`: built once per container on first use (a function imports only what its requests
need: the imports that cold start cares about are inside the factories, with their reasons), and replaceable in
tests through `dependency_overrides` (as powertools' resolver takes `dependency_overrides`), so a test states what it
swaps instead of reaching into module caches:

    wiring.dependency_overrides[wiring.shared.clock] = lambda: FrozenClock(at)
    ...
    wiring.reset()  # a fresh container: every provider built again, every override dropped

Handlers and `api` import factories from here; nothing else constructs an adapter.
"""

from collections.abc import Callable, Collection
from typing import Any

# A provider -> what to call instead of it (tests only).
dependency_overrides: dict[Callable[[], Any], Callable[[], Any]] = {}
_providers: list["Provider[Any]"] = []
_UNSET: Any = object()


class Provider[T]:
    """A factory built once per container (the first call builds, later calls reuse), unless overridden."""

    def __init__(self, build: Callable[[], T]) -> None:
        self.build = build
        self.__name__ = build.__name__
        self.__qualname__ = build.__qualname__
        self.__module__ = build.__module__
        self.__doc__ = build.__doc__
        self._built: Any = _UNSET
        _providers.append(self)

    def __call__(self) -> T:
        override = dependency_overrides.get(self)
        if override is not None:
            return override()  # type: ignore[no-any-return]
        if self._built is _UNSET:
            self._built = self.build()
        return self._built  # type: ignore[no-any-return]

    def cache_clear(self) -> None:
        self._built = _UNSET

    def __repr__(self) -> str:
        return f"<provider {self.__module__}.{self.__qualname__}>"


def provider[T](build: Callable[[], T]) -> Provider[T]:
    return Provider(build)


def reset(*, keep: Collection[object] = (), secrets: bool = True) -> None:
    """A fresh container: every provider forgets what it built, every override is dropped, and so is every client
    and cached secret (a test's stack has its own resource names). `keep`: providers (or caches) that survive;
    `secrets=False` keeps powertools' parameter cache (a warm secret)."""
    import sys

    dependency_overrides.clear()
    for built in _providers:
        if built not in keep:
            built.cache_clear()
    for name, clear in _CONTAINER_CACHES:
        module = sys.modules.get(name)  # only what the container has imported; nothing is imported to clear it
        cached = getattr(module, clear, None)
        if cached is not None and cached not in keep:
            cached.cache_clear()
    if secrets and "aws_lambda_powertools.utilities.parameters" in sys.modules:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]


# Per-container caches outside the providers, by module and name: boto3 clients, secrets, the groups claim, and the
# OpenAPI document (built from every API function's routes).
_CONTAINER_CACHES = (
    ("adapters.aws", "client"),
    ("adapters.secrets", "_older_keys"),
    ("api.identity", "groups_claim"),
    ("api.openapi", "openapi_json"),
)
