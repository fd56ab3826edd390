"""Lambda entry points, one module per function (template.yaml: `Handler: handlers.<module>.lambda_handler`).

Python imports this package before any handler, so it is where the garbage collector is tuned for Lambda. A cold
start allocates a few hundred thousand objects that all stay alive (modules, classes, botocore's service models,
pydantic's schemas), and CPython's default young-generation threshold (700) makes the collector walk them again
every few hundred allocations: about a tenth of the init phase, which Lambda bills (docs/performance.md). An
invocation frees what it allocates by reference counting, so collecting less often costs no memory that matters.
"""

import gc

gc.set_threshold(20_000, 10, 10)
